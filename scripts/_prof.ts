import { startEdgeAlone, timedEdgeRequest } from "./benchEdge";
const e = await startEdgeAlone();
const body = JSON.stringify({ prompt: "A counter component", language: "tsx", model: "claude-sonnet-5-5" });
const url = `${e.edgeUrl}/api/ai/generate`;
for (let i = 0; i < Number(process.env.N ?? 1000); i++) await timedEdgeRequest(url, e.token, body);
await e.close();
process.exit(0);
