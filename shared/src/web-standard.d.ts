/**
 * The only runtime globals shared/ may use, beyond ECMAScript itself. shared/ is type-checked against no runtime
 * types at all (shared/tsconfig.json) — the check that it does no I/O — yet hashing, base64 and reading bundle JSON need these
 * Web-standard APIs, which Node ≥ 20 and workerd both provide with this exact behaviour. Declaring them here, rather
 * than passing them in from each runtime, keeps the callers' signatures (`sha256Hex(bytes)`, `bytesToBase64(bytes)`)
 * and states the whole surface in one place: add an API here only if both runtimes have it and it does no I/O.
 * The other projects never include this file (they import shared/'s .ts modules), so their own runtime types apply.
 */
declare function btoa(data: string): string;
declare function atob(data: string): string;
declare var crypto: {
  readonly subtle: {
    digest(algorithm: 'SHA-256', data: ArrayBuffer | ArrayBufferView<ArrayBuffer>): Promise<ArrayBuffer>;
  };
};
declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBuffer | ArrayBufferView): string;
}
