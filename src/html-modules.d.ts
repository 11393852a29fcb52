/** dist/demo.html is bundled as text by wrangler.toml's Text rule and esbuild's text loader. */
declare module "*.html" {
  const text: string;
  export default text;
}
