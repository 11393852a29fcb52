import { buildNode } from "../../src/tools/build-node.ts";

/** Builds the single-file Node bundle the tests run, exactly as `npm run build:node` does. */
export default async function setup(): Promise<void> {
  await buildNode();
}
