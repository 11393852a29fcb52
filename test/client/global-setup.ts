import { buildClient } from "../../src/tools/build-client.ts";

/** Builds dist/client and dist/react, which the package's `herald/client` and `herald/react` exports name. */
export default function setup(): void {
  buildClient();
}
