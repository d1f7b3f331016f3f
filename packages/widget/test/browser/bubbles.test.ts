/**
 * Where bubbles sit: the visitor's questions at the end side of the transcript, answers at the
 * start side — mirrored in a right-to-left panel. Measured with getBoundingClientRect on a real
 * conversation (real server).
 */
import { expect, fixture, html } from "@open-wc/testing";
import "../../src/index.js";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import { $, $$, lastAnswer, scripted, serverUrl, type, viewOf } from "./helpers.js";

async function conversation(locale: string) {
  localStorage.clear();
  const el = await fixture<OpenChatElement>(html`<open-chat api=${await serverUrl()} mode="inline" locale=${locale} style="width: 700px"></open-chat>`);
  const view = await viewOf(el);
  await type(view, scripted("An answer."));
  await lastAnswer(view);
  await view.updateComplete;
  const box = $(view, ".messages")!.getBoundingClientRect();
  const [question, answer] = $$(view, "article.msg").map((article) => article.getBoundingClientRect());
  return { box, question: question!, answer: answer! };
}

describe("bubbles", () => {
  it("left to right: the question ends at the transcript's right edge, the answer starts at its left edge", async () => {
    const { box, question, answer } = await conversation("en");
    expect(Math.abs(box.right - question.right)).to.be.below(2);
    expect(question.left - box.left).to.be.above(100);
    expect(Math.abs(answer.left - box.left)).to.be.below(2);
  });

  it("right to left (ar): mirrored", async () => {
    const { box, question, answer } = await conversation("ar");
    expect(Math.abs(question.left - box.left)).to.be.below(2);
    expect(box.right - question.right).to.be.above(100);
    expect(Math.abs(answer.right - box.right)).to.be.below(2);
  });
});
