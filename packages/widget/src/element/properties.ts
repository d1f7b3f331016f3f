/**
 * The attribute-backed properties of `<open-chat>` (`api` ⇄ `api="…"`, `allowImages` ⇄
 * `allow-images`…): plain getters/setters on the prototype that read and write the attribute,
 * so attributes stay the single source of truth and `attributeChangedCallback` sees every change.
 */

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
  Object.defineProperties(element.prototype, {
    api: reflectString("api"),
    publishableKey: reflectString("publishable-key"),
    chatId: reflectString("chat-id"),
    placeholder: reflectString("placeholder"),
    greeting: reflectString("greeting"),
    locale: reflectString("locale"),
    theme: {
      get(this: HTMLElement) {
        const value = this.getAttribute("theme");
        return value === "light" || value === "dark" ? value : "auto";
      },
      set: reflectString("theme").set,
    },
    userToken: reflectString("user-token"),
    allowImages: reflectBoolean("allow-images"),
    preload: reflectBoolean("preload"),
  });
}
