/**
 * 👍/👎 in Chromium against the real server: the chosen rating is pressed (aria-pressed), a
 * comment goes with it through the inline form, the server's log records both, pressing the
 * pressed rating clears it; axe with the form open and closed.
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { lastAnswer, rows, serverUrl, type, until, viewOf } from "./helpers.js";
import { logMessages, part, serverEvents } from "./version-helpers.js";

describe("feedback: 👍/👎 with a comment", () => {
  let api: string;
  before(async () => {
    api = await serverUrl();
  });
  beforeEach(() => localStorage.clear());

  it("👍 then a comment is recorded on the answer; pressing 👍 again clears it; 👎 is exclusive", async () => {
    const el = await fixture<OpenChatElement>(html`<open-chat api=${api} mode="inline"></open-chat>`);
    const view = await viewOf(el);
    await type(view, "rate me");
    const answer = await lastAnswer(view);
    const answerId = answer.element.message!.id;
    const feedbackOf = () => logMessages(view).find((m) => m.id === answerId)?.feedback;
    const up = await until(() => part(answer, "feedback-up"), 5000, "👍");
    const down = part(answer, "feedback-down")!;
    expect([up.getAttribute("aria-pressed"), down.getAttribute("aria-pressed")]).to.deep.equal(["false", "false"]);
    expect(up.getAttribute("aria-label")).to.equal("Good answer");
    expect(part(rows(view)[0]!, "feedback-up")).to.equal(null); // questions are not rated
    await expect(el).to.be.accessible();

    up.click();
    await until(() => part(answer, "feedback-up")!.getAttribute("aria-pressed") === "true", 5000, "👍 pressed");
    const comment = await until(() => part<HTMLTextAreaElement>(answer, "feedback-comment"), 5000, "the comment form");
    await until(() => feedbackOf()?.rating === "up", 10_000, "👍 in the log");
    await expect(el).to.be.accessible();
    comment.value = "Clear and short";
    part(answer, "feedback-send")!.click();
    await until(() => feedbackOf()?.comment === "Clear and short", 10_000, "the comment in the log");
    expect(feedbackOf()).to.deep.equal({ rating: "up", comment: "Clear and short" });
    await until(() => part(answer, "feedback-thanks"), 5000, "thanks");
    expect(part(answer, "feedback-form")).to.equal(null);
    expect(part(answer, "feedback-thanks")!.getAttribute("role")).to.equal("status");

    // The server recorded it (a fresh read of its log, not the widget's state).
    const recorded = (await serverEvents(api, view.chat.chatId!)).filter((e) => e.type === "message.feedback");
    expect(recorded.map((e) => [e.messageId, e.rating, e.comment])).to.deep.equal([
      [answerId, "up", undefined],
      [answerId, "up", "Clear and short"],
    ]);

    part(answer, "feedback-up")!.click(); // pressed again: cleared
    await until(() => feedbackOf() === undefined && part(answer, "feedback-up")!.getAttribute("aria-pressed") === "false", 10_000, "cleared");
    expect(part(answer, "feedback-form")).to.equal(null);

    part(answer, "feedback-down")!.click();
    await until(() => feedbackOf()?.rating === "down", 10_000, "👎 in the log");
    expect([part(answer, "feedback-up")!.getAttribute("aria-pressed"), part(answer, "feedback-down")!.getAttribute("aria-pressed")]).to.deep.equal(["false", "true"]);
    await expect(el).to.be.accessible();
  });
});
