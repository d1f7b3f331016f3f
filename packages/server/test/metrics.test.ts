/**
 * Prometheus metrics (src/metrics/): the figures one process keeps, read at each scrape from the
 * parts that keep them; the listener on METRICS_PORT (its own port, GET /metrics only, an
 * optional bearer token); and `open-chat serve` with METRICS_PORT, end to end: an answer's run
 * shows in the scrape. (A cluster's sum over its workers: test/chaos/workers.chaos.test.ts.)
 */
import { signInAsGuest, makeTempDir, removeDir } from "@open-chat/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createMetrics, type MetricsSources } from "../src/metrics/metrics.js";
import { listenMetrics, registryText, type MetricsListener } from "../src/metrics/metrics-server.js";
import { startApiProcess, type ApiProcess } from "./chaos/api-process.js";
import { createChat, ended, send, watchChat } from "./chaos/chat-watch.js";
import { sample, scrape, scrapeUntil } from "./helpers/metrics.js";

function sources(overrides: Partial<MetricsSources> = {}): MetricsSources {
  return {
    answers: {
      running: 3,
      cap: 150,
      finished: { byOutcome: { completed: 7, error: 1, stopped: 2, fenced: 0, unterminated: 0, cancelled: 1 }, appends: 40, deltas: 120 },
    },
    tails: { open: 12, processLimit: 9_000 },
    upstreams: () => ({ upstreams: 5, parked: 2 }),
    takeovers: () => ({ continued: 1, stopped: 0, error: 0, released: 2 }),
    ...overrides,
  };
}

describe("a process's metrics", () => {
  it("reads every figure from its source at each scrape", async () => {
    const answers = { running: 3, cap: 150, finished: { byOutcome: { completed: 7, error: 1, stopped: 2, fenced: 0, unterminated: 0, cancelled: 1 }, appends: 40, deltas: 120 } };
    const metrics = createMetrics(sources({ answers }));
    let text = await metrics.registry.metrics();
    expect(sample(text, "open_chat_processes")).toBe(1);
    expect(sample(text, "open_chat_answers_running")).toBe(3);
    expect(sample(text, "open_chat_answers_running_cap")).toBe(150);
    expect(sample(text, "open_chat_answers_total", { outcome: "completed" })).toBe(7);
    expect(sample(text, "open_chat_answers_total", { outcome: "fenced" })).toBe(0);
    expect(sample(text, "open_chat_answer_appends_total")).toBe(40);
    expect(sample(text, "open_chat_answer_deltas_total")).toBe(120);
    expect(sample(text, "open_chat_tails_open")).toBe(12);
    expect(sample(text, "open_chat_tails_cap")).toBe(9_000);
    expect(sample(text, "open_chat_tail_upstreams", { state: "live" })).toBe(3);
    expect(sample(text, "open_chat_tail_upstreams", { state: "parked" })).toBe(2);
    expect(sample(text, "open_chat_takeovers_total", { outcome: "released" })).toBe(2);
    expect(text).toMatch(/^# TYPE open_chat_answers_total counter$/m);
    expect(text).toMatch(/^# TYPE open_chat_answers_running gauge$/m);

    // The next scrape reads again: no figure is cached or added up twice.
    answers.running = 0;
    answers.finished = { ...answers.finished, byOutcome: { ...answers.finished.byOutcome, completed: 10 }, appends: 55 };
    text = await metrics.registry.metrics();
    expect(sample(text, "open_chat_answers_running")).toBe(0);
    expect(sample(text, "open_chat_answers_total", { outcome: "completed" })).toBe(10);
    expect(sample(text, "open_chat_answer_appends_total")).toBe(55);
  });

  it("counts HTTP answers by status", async () => {
    const metrics = createMetrics(sources());
    expect(sample(await metrics.registry.metrics(), "open_chat_http_responses_total", { status: "202" })).toBeUndefined();
    metrics.response(202);
    metrics.response(202);
    metrics.response(503);
    const text = await metrics.registry.metrics();
    expect(sample(text, "open_chat_http_responses_total", { status: "202" })).toBe(2);
    expect(sample(text, "open_chat_http_responses_total", { status: "503" })).toBe(1);
  });
});

describe("the metrics listener", () => {
  const listeners: MetricsListener[] = [];
  afterAll(() => Promise.all(listeners.map((listener) => listener.close())));
  const start = async (token?: string) => {
    const listener = await listenMetrics({ host: "127.0.0.1", port: 0, ...(token ? { token } : {}), collect: registryText(createMetrics(sources()).registry) });
    listeners.push(listener);
    return listener;
  };

  it("answers GET /metrics in Prometheus' text format, and HEAD without a body", async () => {
    const { url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const { status, contentType, text } = await scrape(url);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(text, "open_chat_answers_running")).toBe(3);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("answers anything else with the API's error shape: 404 not_found, 405 invalid_request", async () => {
    const { url } = await start();
    const elsewhere = await fetch(url.replace("/metrics", "/v1/chats"));
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ error: { code: "not_found" } });
    const post = await fetch(url, { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(await post.json()).toMatchObject({ error: { code: "invalid_request" } });
  });

  it("with a token, refuses a scrape without it or with another one (401 unauthorized)", async () => {
    const token = "metrics-token-".padEnd(32, "x");
    const { url } = await start(token);
    const attempts: Array<Record<string, string>> = [{}, { Authorization: `Bearer ${token}y` }, { Authorization: token }];
    for (const headers of attempts) {
      const refused = await fetch(url, { headers });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe("Bearer");
      expect(await refused.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
    const { status, text } = await scrape(url, { Authorization: `Bearer ${token}` });
    expect(status).toBe(200);
    expect(sample(text, "open_chat_processes")).toBe(1);
  });

  it("answers 500 internal when the figures cannot be collected", async () => {
    const listener = await listenMetrics({ host: "127.0.0.1", port: 0, collect: () => Promise.reject(new Error("Aggregation timed out")) });
    listeners.push(listener);
    const response = await fetch(listener.url);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: "internal", message: expect.stringContaining("Aggregation timed out") } });
  });
});

describe("open-chat serve with METRICS_PORT", () => {
  const dataDir = makeTempDir("open-chat-metrics-");
  let api: ApiProcess | undefined;
  afterAll(async () => {
    await api?.kill();
    removeDir(dataDir);
  });

  it("serves the process's metrics and Node's on their own port; an answer's run shows there", async () => {
    api = await startApiProcess({ DATABASE_URL: "", STREAMS_URL: "", DATA_DIR: dataDir, OPENAI_BASE_URL: "", OPENAI_API_KEY: "", OPENROUTER_API_KEY: "", METRICS_PORT: "0" });
    const line = api.output.find((l) => /^open-chat: metrics on /.test(l));
    expect(line, api.output.join("\n")).toBeDefined();
    const url = /(http:\/\/\S+\/metrics)/.exec(line!)![1]!;
    expect(new URL(url).port).not.toBe(new URL(api.url).port);

    const before = await scrape(url);
    expect(before.status).toBe(200);
    expect(sample(before.text, "open_chat_processes")).toBe(1);
    // Embedded, the cap of running answers is 75 (limits/answer-admission.ts).
    expect(sample(before.text, "open_chat_answers_running_cap")).toBe(75);
    expect(sample(before.text, "open_chat_answers_total", { outcome: "completed" })).toBe(0);
    // Node's own, from prom-client's default collectors.
    expect(sample(before.text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(before.text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    // The API's port does not serve them.
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);

    const token = await signInAsGuest(api.url);
    const chatId = await createChat(api.url, token);
    const { assistantMessageId } = await send(api.url, token, chatId, "count me");
    const { state } = await watchChat(() => api!.url, token, chatId, ended(assistantMessageId));
    expect(state.messages.find((m) => m.id === assistantMessageId)?.status).toBe("completed");
    const after = await scrapeUntil(url, "open_chat_answers_total", { outcome: "completed" }, 1);
    expect(sample(after.text, "open_chat_answers_total", { outcome: "completed" })).toBe(1);
    expect(sample(after.text, "open_chat_answers_running")).toBe(0);
    expect(sample(after.text, "open_chat_answer_appends_total")).toBeGreaterThanOrEqual(1);
    expect(sample(after.text, "open_chat_answer_deltas_total")).toBeGreaterThanOrEqual(1);
    expect(sample(after.text, "open_chat_http_responses_total", { status: "202" })).toBe(1);
    expect(sample(after.text, "open_chat_http_responses_total", { status: "201" })).toBe(1);
    expect(sample(after.text, "open_chat_http_responses_total", { status: "404" })).toBe(1);
  }, 60_000);
});
