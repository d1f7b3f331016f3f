/**
 * Versions in Chromium against the real server: Regenerate makes "2/2" and ‹ goes back; Retry
 * on a stopped answer regenerates it (never a new question bubble); Edit makes a new version of
 * the question with its own answer. Exactly one new turn each, read from the log; axe in each state.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { $, lastAnswer, modelGate, rows, serverUrl, type, until, viewOf } from "./helpers.js";
import { count, part } from "./version-helpers.js";

describe("versions: Regenerate, Retry, Edit and ‹ ›", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());
  afterEach(() => modelGate.open()); // a failed test never leaves the next one's answer held

  const mount = async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    return { el, view: await viewOf(el) };
  };
  /** The last row once it is an ended answer other than `notId`. */
  const newAnswer = (view: Awaited<ReturnType<typeof mount>>["view"], notId: string) =>
    until(
      () => {
        const last = rows(view).at(-1);
        return last?.role === "assistant" && last.status !== "streaming" && last.element.message?.id !== notId ? last : null;
      },
      15_000,
      "the new version of the answer",
    );

  it("Regenerate shows the new answer as 2/2 in the old one's place; ‹ shows the first again; one new turn", async () => {
    const { el, view } = await mount();
    await type(view, "regenerate me [[tokens:5]]");
    const first = await lastAnswer(view);
    const firstId = first.element.message!.id;
    expect(part(first, "versions")).to.equal(null); // one version: no switcher
    (await until(() => part(first, "regenerate-button"), 5000, "Regenerate")).click();

    const second = await newAnswer(view, firstId);
    expect(second.status).to.equal("completed");
    expect(rows(view).map((r) => r.role)).to.deep.equal(["user", "assistant"]);
    await until(() => part(second, "version-index")?.textContent?.includes("2/2"), 5000, "2/2");
    expect(part(second, "versions")!.getAttribute("role")).to.equal("group");
    expect(part(second, "version-index")!.textContent).to.contain("Version 2 of 2");
    expect(part(second, "version-next")!.disabled).to.equal(true);
    expect([count(view, "user"), count(view, "assistant")]).to.deep.equal([1, 2]);
    await expect(el).to.be.accessible();

    part(second, "version-previous")!.click();
    const back = await until(() => (rows(view).at(-1)?.element.message?.id === firstId ? rows(view).at(-1) : null), 10_000, "the first answer again");
    await until(() => part(back, "version-index")?.textContent?.includes("1/2"), 5000, "1/2");
    expect(part(back, "version-previous")!.disabled).to.equal(true);
    expect(part(back, "version-next")!.disabled).to.equal(false);
    expect(rows(view)).to.have.length(2);
    expect([count(view, "user"), count(view, "assistant")]).to.deep.equal([1, 2]); // switching is no turn
    await expect(el).to.be.accessible();
  });

  it("Retry on a stopped answer regenerates it: no new question bubble, and ‹ shows the stopped text", async () => {
    const { el, view } = await mount();
    // Held after its first text: the answer is still running when Stop is pressed, however fast the machine.
    await modelGate.hold();
    await type(view, "stop me [[tokens:60]]");
    const stop = await until(() => $<HTMLButtonElement>(view, "[part=stop-button]"), 10_000, "the stop button");
    await modelGate.release(1);
    await until(() => rows(view).at(-1)!.text.length > 0, 10_000, "some text");
    stop.click();
    const stopped = await lastAnswer(view);
    expect(stopped.status).to.equal("stopped");
    const stoppedId = stopped.element.message!.id;
    const stoppedText = stopped.text;
    await modelGate.open();
    await until(() => !$(view, "[part=stop-button]"), 5000, "idle");
    expect(part(stopped, "regenerate-button")).to.equal(null); // Retry is the stopped answer's regenerate

    part(stopped, "retry-button")!.click();
    const fresh = await newAnswer(view, stoppedId);
    expect(fresh.status).to.equal("completed");
    expect(fresh.text.split(" ")).to.have.length(60);
    expect(rows(view).map((r) => [r.role, r.text])).to.deep.equal([
      ["user", "stop me [[tokens:60]]"],
      ["assistant", fresh.text],
    ]);
    expect(part(fresh, "retry-button")).to.equal(null); // the stopped answer's Retry left with it
    await until(() => part(fresh, "version-index")?.textContent?.includes("2/2"), 5000, "2/2");
    expect([count(view, "user"), count(view, "assistant")]).to.deep.equal([1, 2]);
    await expect(el).to.be.accessible();

    part(fresh, "version-previous")!.click();
    const back = await until(() => (rows(view).at(-1)?.element.message?.id === stoppedId ? rows(view).at(-1) : null), 10_000, "the stopped answer again");
    expect(back.status).to.equal("stopped");
    expect(back.text).to.equal(stoppedText);
    expect(back.text).to.not.equal(fresh.text);
  });

  it("Edit opens an inline editor; Save makes a new version of the question with its own answer; ‹ on it shows the old thread", async () => {
    const { el, view } = await mount();
    await type(view, "old question");
    const oldAnswer = await lastAnswer(view);
    const question = rows(view)[0]!;
    const oldQuestionId = question.element.message!.id;
    const edit = await until(() => part(question, "edit-button"), 5000, "Edit");

    // Cancel closes the editor and changes nothing.
    edit.click();
    await until(() => part(question, "edit-form"), 5000, "the editor");
    part(question, "edit-cancel")!.click();
    await until(() => part(question, "edit-button") && !part(question, "edit-form"), 5000, "the editor closed");

    part(question, "edit-button")!.click();
    const input = await until(() => part<HTMLTextAreaElement>(question, "edit-input"), 5000, "the editor");
    expect(input.value).to.equal("old question");
    expect(input.getAttribute("aria-label")).to.equal("Edit your message");
    await expect(el).to.be.accessible();
    input.value = "new question";
    part(question, "edit-save")!.click();

    const thread = await until(
      () => {
        const r = rows(view);
        return r.length === 2 && r[0]!.text === "new question" && r[0]!.status === "completed" && r[1]!.role === "assistant" && r[1]!.status === "completed" ? r : null;
      },
      15_000,
      "the edited question answered",
    );
    expect(thread[1]!.text).to.contain("new question");
    expect(thread[1]!.element.message!.id).to.not.equal(oldAnswer.element.message!.id);
    await until(() => part(thread[0]!, "version-index")?.textContent?.includes("2/2"), 5000, "2/2 on the question");
    expect(part(thread[1]!, "versions")).to.equal(null); // the new answer is the only one to the new question
    expect([count(view, "user"), count(view, "assistant")]).to.deep.equal([2, 2]);
    await expect(el).to.be.accessible();

    part(thread[0]!, "version-previous")!.click();
    await until(() => rows(view)[0]?.element.message?.id === oldQuestionId, 10_000, "the old question again");
    expect(rows(view).map((r) => r.text)).to.deep.equal(["old question", oldAnswer.text]);
  });
});
