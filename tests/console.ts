// Console output a test provokes on purpose (a retried provider failure the workpool logs, an
// SDK warning, a warning of our own code): captured in that test, asserted there, and never
// printed, so a test run shows only what a reader must act on. Restored when the test ends.
import { onTestFinished, vi } from "vitest";

const text = (arg: unknown) =>
  arg instanceof Error ? arg.message : typeof arg === "string" ? arg : JSON.stringify(arg);

/** Captures console[method] for the rest of the current test; `messages()` joins each call's arguments. */
export function captureConsole(method: "error" | "warn" | "log") {
  const spy = vi.spyOn(console, method).mockImplementation(() => {});
  onTestFinished(() => spy.mockRestore());
  return { messages: () => spy.mock.calls.map((args) => args.map(text).join(" ")) };
}
