// What the fake Anthropic sends for one assistant turn: the streamed events of the Messages
// API (text and tool use) or the same turn as one JSON message. A turn is plain text, or text
// plus tool calls whose JSON input is streamed as `input_json_delta` chunks split anywhere.

export type FakeUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
};

/** What to do to a streamed answer, after `afterEvents` events were sent. */
export type StreamFault =
  | { kind: "cut"; afterEvents: number } // the connection is destroyed
  | { kind: "pause"; afterEvents: number } // nothing more is sent until the client goes away
  | { kind: "error"; afterEvents: number; type?: string } // an `event: error`, then the end
  /** The connection is destroyed after `afterChunks` (default 1) input_json_delta chunks of tool call `tool` (default 0). */
  | { kind: "cutInToolCall"; tool?: number; afterChunks?: number };

export type FakeToolCall = { id?: string; name: string; input: unknown };

/** One scripted assistant turn. */
export type FakeTurn = {
  text?: string;
  toolCalls?: FakeToolCall[];
  /** Default: "tool_use" when there are tool calls, else "end_turn". */
  stopReason?: string;
  /** Overrides the fake's usage numbers for this turn. */
  usage?: Partial<FakeUsage>;
  /** Characters per `input_json_delta` chunk (default 5: splits land inside keys, strings and escapes). */
  jsonChunkChars?: number;
  /** This turn's stream misbehaves (instead of the next fault queued with nextStream). */
  fault?: StreamFault;
  /** This request is refused with Anthropic's error body for this status (the SDK may retry: script one per attempt). */
  httpStatus?: number;
  retryAfterSec?: number;
};

type WireEvent = [name: string, data: unknown];

/** The events of one streamed turn, and where each tool call's input chunks are (indexes into `events`). */
export type StreamedTurn = { events: WireEvent[]; toolChunkIndexes: number[][] };

function toolUseId(turnNo: number, i: number): string {
  return `toolu_fake_${turnNo}_${i}`;
}

/** The tool calls of a turn with their ids filled in. */
function withIds(turn: FakeTurn, turnNo: number): Required<FakeToolCall>[] {
  return (turn.toolCalls ?? []).map((c, i) => ({ id: c.id ?? toolUseId(turnNo, i), name: c.name, input: c.input }));
}

function stopReasonOf(turn: FakeTurn): string {
  return turn.stopReason ?? (turn.toolCalls?.length ? "tool_use" : "end_turn");
}

export function streamedTurn(o: {
  id: string;
  model: string;
  turn: FakeTurn;
  turnNo: number;
  usage: FakeUsage;
  chunkChars: number;
}): StreamedTurn {
  const { id, model, turn, usage: u } = o;
  const events: WireEvent[] = [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: u.input_tokens,
            output_tokens: 1,
            cache_creation_input_tokens: u.cache_creation_input_tokens,
            cache_read_input_tokens: u.cache_read_input_tokens,
          },
        },
      },
    ],
  ];
  let index = 0;
  const text = turn.text ?? "";
  if (text || !turn.toolCalls?.length) {
    events.push([
      "content_block_start",
      { type: "content_block_start", index, content_block: { type: "text", text: "" } },
    ]);
    for (let i = 0; i < text.length; i += o.chunkChars) {
      events.push([
        "content_block_delta",
        { type: "content_block_delta", index, delta: { type: "text_delta", text: text.slice(i, i + o.chunkChars) } },
      ]);
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  }
  const toolChunkIndexes: number[][] = [];
  const jsonChunk = turn.jsonChunkChars ?? 5;
  for (const call of withIds(turn, o.turnNo)) {
    events.push([
      "content_block_start",
      {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
      },
    ]);
    const json = JSON.stringify(call.input);
    const chunks: number[] = [];
    for (let i = 0; i < json.length; i += jsonChunk) {
      chunks.push(events.length);
      events.push([
        "content_block_delta",
        {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: json.slice(i, i + jsonChunk) },
        },
      ]);
    }
    toolChunkIndexes.push(chunks);
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  }
  events.push(
    [
      "message_delta",
      {
        type: "message_delta",
        delta: { stop_reason: stopReasonOf(turn), stop_sequence: null },
        usage: { output_tokens: u.output_tokens },
      },
    ],
    ["message_stop", { type: "message_stop" }],
  );
  return { events, toolChunkIndexes };
}

/** The same turn as a non-streamed Messages API answer. */
export function jsonTurn(o: { id: string; model: string; turn: FakeTurn; turnNo: number; usage: FakeUsage }) {
  const content: unknown[] = [];
  if (o.turn.text || !o.turn.toolCalls?.length) content.push({ type: "text", text: o.turn.text ?? "" });
  for (const c of withIds(o.turn, o.turnNo)) content.push({ type: "tool_use", id: c.id, name: c.name, input: c.input });
  return {
    id: o.id,
    type: "message",
    role: "assistant",
    model: o.model,
    content,
    stop_reason: stopReasonOf(o.turn),
    stop_sequence: null,
    usage: { ...o.usage },
  };
}

/** The `tool_result` blocks of a request's last user turn (what the loop fed back). */
export function toolResultsOf(body: any): { tool_use_id: string; content: unknown; is_error?: boolean }[] {
  const last = body?.messages?.at(-1);
  if (!last || last.role !== "user" || !Array.isArray(last.content)) return [];
  return last.content.filter((b: any) => b.type === "tool_result");
}
