// Project file paths. A stored path is relative, "/"-separated and already normalized, so
// the same file can never be stored under two spellings. Normalization only strips one
// leading "./"; everything else that is odd is refused with INVALID and a message naming it.
import { fail } from "./errors";

export const MAX_PATH_LENGTH = 512;

// C0 controls, DEL and C1 controls (NUL included).
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// With the `u` flag a surrogate pair is one code point, so this finds only unpaired halves
// (not valid Unicode: Convex cannot store them).
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const DRIVE_LETTER = /^[A-Za-z]:/;

/** The problem with a relative path or prefix, or null when it is acceptable. */
function problemOf(path: string, allowTrailingSlash: boolean): string | null {
  if (path.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`;
  if (CONTROL_CHARS.test(path)) return "contains a NUL or control character";
  if (LONE_SURROGATE.test(path)) return "contains an unpaired surrogate (not valid Unicode)";
  if (path.includes("\\")) return "contains a backslash (use / as the separator)";
  if (path.startsWith("/") || DRIVE_LETTER.test(path)) return "is absolute (paths are relative to the project root)";
  const segments = path.split("/");
  if (allowTrailingSlash && segments.length > 1 && segments[segments.length - 1] === "") segments.pop();
  for (const segment of segments) {
    if (segment === "") return 'has an empty segment ("a//b" or a trailing "/")';
    if (segment === "..") return 'contains a ".." segment';
    if (segment === ".") return 'contains a "." segment';
  }
  return null;
}

function stripDotSlash(raw: string): string {
  return raw.startsWith("./") ? raw.slice(2) : raw;
}

/** The normalized form of a file path, or INVALID naming the problem. */
export function normalizePath(raw: string): string {
  const path = stripDotSlash(raw);
  if (path === "") fail("INVALID", "Path is empty", { path: raw.slice(0, 100) });
  const problem = problemOf(path, false);
  if (problem) fail("INVALID", `Path ${problem}`, { path: raw.slice(0, 100) });
  return path;
}

/** A list prefix ("" = everything, "src/" = a folder, "src/App" = a name prefix). */
export function normalizePrefix(raw: string): string {
  const prefix = stripDotSlash(raw);
  if (prefix === "") return "";
  const problem = problemOf(prefix, true);
  if (problem) fail("INVALID", `Prefix ${problem}`, { prefix: raw.slice(0, 100) });
  return prefix;
}

/**
 * The exclusive upper bound of the strings that start with `prefix`: s starts with it
 * exactly when `prefix <= s < end` (null: no bound needed, the prefix is all U+10FFFF).
 * Convex orders strings by their UTF-8 bytes, i.e. by code point (not by UTF-16 code unit
 * as JavaScript's `<` does), so the last code point is incremented — skipping the surrogate
 * range, which holds no characters — and U+10FFFF carries over to the one before it.
 */
export function prefixEnd(prefix: string): string | null {
  const codePoints = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!;
    if (last < 0x10ffff) return String.fromCodePoint(...codePoints, last === 0xd7ff ? 0xe000 : last + 1);
  }
  return null;
}
