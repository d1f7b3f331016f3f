/**
 * The attribute-backed properties of `<open-chat>` (`api` ⇄ `api="…"`, `allowImages` ⇄
 * `allow-images`…), from the one attribute list: plain getters/setters on the prototype that
 * read and write the attribute, so attributes stay the single source of truth and
 * `attributeChangedCallback` sees every change.
 */
import { ATTRIBUTE_SPECS } from "../common/attributes.js";

function reflectString(attribute: string): PropertyDescriptor {
  return {
    get(this: HTMLElement) {
      return this.getAttribute(attribute) ?? "";
    },
    set(this: HTMLElement, value: string | null | undefined) {
      if (value === null || value === undefined) this.removeAttribute(attribute);
      else this.setAttribute(attribute, String(value));
    },
  };
}

function reflectBoolean(attribute: string): PropertyDescriptor {
  return {
    get(this: HTMLElement) {
      return this.hasAttribute(attribute);
    },
    set(this: HTMLElement, value: boolean) {
      this.toggleAttribute(attribute, Boolean(value));
    },
  };
}

/** Defines the element's attribute-backed properties on its prototype. */
export function reflectAttributes(element: { prototype: HTMLElement }): void {
  const descriptors: PropertyDescriptorMap = {};
  for (const [attribute, spec] of ATTRIBUTE_SPECS) {
    if (spec.property) descriptors[spec.property] = spec.boolean ? reflectBoolean(attribute) : reflectString(attribute);
  }
  descriptors.theme = {
    get(this: HTMLElement) {
      const value = this.getAttribute("theme");
      return value === "light" || value === "dark" ? value : "auto";
    },
    set: reflectString("theme").set,
  };
  Object.defineProperties(element.prototype, descriptors);
}
