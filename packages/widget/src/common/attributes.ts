/**
 * The attributes of `<open-chat>`, written once. From this list the shell derives its
 * `observedAttributes`, its attribute-backed properties (element/properties.ts) and what it
 * forwards to the view; `<open-chat-view>` derives its reactive properties for the same settings.
 */

interface AttributeSpec {
  /** The shell's property reflecting the attribute (none: a native or hand-written accessor). */
  readonly property?: string;
  /** Boolean attribute: present means true. Default: a string. */
  readonly boolean?: true;
  /** The view property the shell forwards the attribute's value to. */
  readonly view?: string;
  /** The view's own attribute for that property, when it is not the shell's (global attributes). */
  readonly viewAttribute?: string;
}

export const ATTRIBUTES = {
  api: { property: "api", view: "api" },
  "publishable-key": { property: "publishableKey", view: "publishableKey" },
  "chat-id": { property: "chatId", view: "chatId" },
  // `title` is a global attribute (the native `title` property): the view calls it `heading`.
  title: { view: "heading", viewAttribute: "heading" },
  placeholder: { property: "placeholder", view: "placeholder" },
  greeting: { property: "greeting", view: "greeting" },
  locale: { property: "locale", view: "locale" },
  "allow-images": { property: "allowImages", boolean: true, view: "allowImages" },
  // Milliseconds a streaming answer may be quiet before it shows "Reconnecting the answer…".
  "stall-ms": { property: "stallMs", view: "stallMs" },
  theme: { property: "theme" },
  // Forwarded by the shell itself: `identify()` may override it.
  "user-token": { property: "userToken" },
  preload: { property: "preload", boolean: true },
  // The global `lang` (native property), observed: the locale when `locale` is not set.
  lang: {},
  // Hand-written accessors on the shell (`mode`, `isOpen`).
  mode: {},
  open: {},
} as const satisfies Record<string, AttributeSpec>;

export type AttributeName = keyof typeof ATTRIBUTES;

/** The view properties the shell forwards attributes to. */
export type ForwardedProperty = Extract<(typeof ATTRIBUTES)[AttributeName], { view: string }>["view"];

/** Every attribute with its spec, in list order. */
export const ATTRIBUTE_SPECS = Object.entries(ATTRIBUTES) as Array<[AttributeName, AttributeSpec]>;

/** `[attribute, view property, boolean]` for each forwarded attribute. */
export const FORWARDED = ATTRIBUTE_SPECS.flatMap(([attribute, spec]) =>
  spec.view ? [[attribute, spec.view as ForwardedProperty, spec.boolean === true] as const] : [],
);

/** The view's Lit property declarations for the forwarded settings (`static properties`). */
export function forwardedViewProperties(): Record<ForwardedProperty, { attribute: string; type?: BooleanConstructor }> {
  const properties = {} as Record<ForwardedProperty, { attribute: string; type?: BooleanConstructor }>;
  for (const [attribute, spec] of ATTRIBUTE_SPECS) {
    if (!spec.view) continue;
    properties[spec.view as ForwardedProperty] = { attribute: spec.viewAttribute ?? attribute, ...(spec.boolean ? { type: Boolean } : {}) };
  }
  return properties;
}
