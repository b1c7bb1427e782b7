// The edge bundle's gzipped size against its budget, and what it is made of (scripts/bundle.ts).
import { reportBundle } from "../bundle";

export async function run() {
  await reportBundle(12);
}
