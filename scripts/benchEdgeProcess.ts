// The edge alone in a process of its own, for the bench's cross-process figures: the same
// edge and bare pass-through as scripts/benchEdge.ts, pointed at a fake Claude the parent
// runs. Prints one JSON line { edgeUrl, bareUrl, token }, then serves until killed.
import { startEdgeAlone } from "./benchEdge";

const [url, apiKey] = process.argv.slice(2);
if (!url || !apiKey) throw new Error("usage: benchEdgeProcess.ts <claude url> <api key>");
const e = await startEdgeAlone({ url, apiKey });
console.log(JSON.stringify({ edgeUrl: e.edgeUrl, bareUrl: e.bareUrl, token: e.token }));
