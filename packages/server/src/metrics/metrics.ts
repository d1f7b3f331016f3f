/**
 * Prometheus metrics of one server process, on prom-client: how near the process runs to its
 * caps (answers running against MAX_RUNNING_ANSWERS_PER_PROCESS, live tails against the tail
 * budget, the upstream reads behind the tails, live or parked), how answers end and how much
 * group commit batches them, lease takeovers, and the HTTP answers by status — plus, once
 * served (`withProcessMetrics`), Node's own: CPU, memory, event-loop lag, GC.
 *
 * Gauges and totals are read at each scrape from the parts that keep them anyway (the generation
 * registry's totals, the tail slots, the stream hub): the hot path gains nothing but one counter
 * per HTTP response. Every metric sums across a cluster's workers (metrics-server.ts), so
 * `open_chat_processes` says how many processes the figures cover.
 *
 * ```ts
 * const metrics = createMetrics(sources);          // services.ts
 * app.use("*", countResponses(metrics));           // app.ts
 * const text = await metrics.registry.metrics();   // Prometheus text format
 * ```
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { GenerationResult } from "../generation/generator.js";
import type { ResumeOutcome } from "../turns/resume-turn.js";

/** How finished answers ended. */
export type AnswerOutcome = GenerationResult["status"];
/** What a lease takeover did with the turn it took. */
export type TakeoverOutcome = ResumeOutcome;

/** Where the figures come from; each is read when the metrics are collected. */
export interface MetricsSources {
  answers: {
    readonly running: number;
    /** 0 = no cap. */
    readonly cap: number;
    /** Totals over finished answers; every outcome present (at 0 before it first happens: a rate needs the series). */
    readonly finished: { readonly byOutcome: Readonly<Record<AnswerOutcome, number>>; readonly appends: number; readonly deltas: number };
  };
  tails: { readonly open: number; /** 0 = no cap. */ readonly processLimit: number };
  upstreams(): { upstreams: number; parked: number };
  /** Every outcome present, as above. */
  takeovers(): Readonly<Record<TakeoverOutcome, number>>;
}

export interface Metrics {
  readonly registry: Registry;
  /** Counts one HTTP answer by its status (app.ts, every response). */
  response(status: number): void;
}

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  /** A total kept elsewhere, exposed as a counter (it only ever grows). */
  const total = <L extends string>(name: string, help: string, labelName: L | undefined, read: () => Array<[label: string | undefined, value: number]>) =>
    new Counter({
      name,
      help,
      registers,
      labelNames: labelName ? [labelName] : [],
      collect() {
        this.reset();
        for (const [label, value] of read()) {
          if (label === undefined) this.inc(value);
          else this.inc({ [labelName!]: label } as Record<L, string>, value);
        }
      },
    });

  gauge("open_chat_processes", "Server processes these figures cover (a cluster's workers are summed).", () => 1);
  gauge("open_chat_answers_running", "Answers being generated in this process.", () => sources.answers.running);
  gauge("open_chat_answers_running_cap", "MAX_RUNNING_ANSWERS_PER_PROCESS: past it a send is refused with 503 overloaded (0 = no cap).", () => sources.answers.cap);
  total("open_chat_answers_total", "Answers that finished in this process, by how they ended.", "outcome", () => Object.entries(sources.answers.finished.byOutcome));
  total("open_chat_answer_appends_total", "Appends to the log made by finished answers (group commit: one carries every token since the previous one).", undefined, () => [[undefined, sources.answers.finished.appends]]);
  total("open_chat_answer_deltas_total", "Text pieces the model streamed to finished answers.", undefined, () => [[undefined, sources.answers.finished.deltas]]);
  gauge("open_chat_tails_open", "Live SSE tails open in this process.", () => sources.tails.open);
  gauge("open_chat_tails_cap", "Live tails this process takes before it answers 429 (0 = no cap).", () => sources.tails.processLimit);
  new Gauge({
    name: "open_chat_tail_upstreams",
    help: "Upstream reads of user streams feeding this process's tails, live or parked (a quiet stream's read is closed until a wake notice).",
    labelNames: ["state"],
    registers,
    collect() {
      const { upstreams, parked } = sources.upstreams();
      this.set({ state: "live" }, upstreams - parked);
      this.set({ state: "parked" }, parked);
    },
  });
  total("open_chat_takeovers_total", "Answers whose holder stopped renewing their lease, taken over by this process, by what became of them.", "outcome", () => Object.entries(sources.takeovers()));
  const responses = new Counter({ name: "open_chat_http_responses_total", help: "HTTP answers of the API by status (a live tail counts when it opens).", labelNames: ["status"], registers });

  return {
    registry,
    response(status) {
      responses.inc({ status: String(status) });
    },
  };
}

/** Adds Node's own metrics (CPU, memory, event-loop lag, GC) to `metrics`: once per process, when they are served. */
export function withProcessMetrics(metrics: Metrics): Metrics {
  collectDefaultMetrics({ register: metrics.registry });
  return metrics;
}
