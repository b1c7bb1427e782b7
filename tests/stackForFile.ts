// One offline stack for a whole test file.
import { afterAll, beforeAll } from "vitest";
import { startStack, type Stack, type StackOptions } from "./stack";

/**
 * The stack for this test file: started in beforeAll (registered here, so before the file's own
 * hooks), closed after its tests. The object returned forwards to it, so a file writes
 * `const stack = stackForFile()` and uses `stack` in every hook and test.
 */
export function stackForFile(opts: StackOptions = {}): Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(opts);
  });
  afterAll(async () => {
    await stack?.close();
  });
  return new Proxy({} as Stack, {
    get(_, key) {
      if (!stack) throw new Error("The stack starts in beforeAll; use it inside tests and hooks");
      const value: unknown = Reflect.get(stack, key);
      return typeof value === "function" ? value.bind(stack) : value;
    },
  });
}
