// The edge alone in a process of its own, for the bench's cross-process figures
// (scripts/benchCrossProcess.ts): the same edge and bare pass-through as scripts/benchEdge.ts,
// pointed at a fake Claude the parent runs. Prints one JSON line { edgeUrl, bareUrl, token },
// then answers one JSON line per command read on stdin, until killed:
//   pauses  → { pauses }  this process's collector pauses so far (scripts/benchGc.ts)
//   sample all | sample survivors → {}  starts sampling allocations (scripts/benchGc.ts)
//   stop    → { bytes }   bytes allocated since `sample`, by origin
import { createInterface } from "node:readline";
import { recordPauses, sampleAllocations } from "./benchGc";
import { startEdgeAlone } from "./benchEdge";

const pauses = recordPauses();
const [url, apiKey] = process.argv.slice(2);
if (!url || !apiKey) throw new Error("usage: benchEdgeProcess.ts <claude url> <api key>");
const e = await startEdgeAlone({ url, apiKey });
const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
answer({ edgeUrl: e.edgeUrl, bareUrl: e.bareUrl, token: e.token });

let sampling: Awaited<ReturnType<typeof sampleAllocations>> | undefined;
for await (const command of createInterface({ input: process.stdin })) {
  if (command === "pauses") answer({ pauses });
  else if (command === "sample all" || command === "sample survivors") {
    sampling = await sampleAllocations(command === "sample all" ? "all" : "survivors");
    answer({});
  } else if (command === "stop" && sampling) {
    answer({ bytes: await sampling.stop() });
    sampling = undefined;
  } else answer({ error: `unknown command ${command}` });
}
