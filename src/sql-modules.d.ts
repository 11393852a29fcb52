/** migrations/*.sql are bundled as text by wrangler.toml's Text rule. */
declare module "*.sql" {
  const text: string;
  export default text;
}
