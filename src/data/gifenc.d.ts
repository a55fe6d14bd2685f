// Types for gifenc 1.0.3, which ships none; only the functions used by gif.ts are declared.
declare module 'gifenc' {
  /** RGB or RGBA colors, each component 0..255. */
  type Palette = number[][];

  interface FrameOptions {
    palette?: Palette;
    /** Frame delay in milliseconds; the GIF stores it in hundredths of a second. */
    delay?: number;
    /** -1 plays once, 0 loops forever, n > 0 repeats n more times. */
    repeat?: number;
  }

  interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, options?: FrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
  }

  const gifenc: {
    GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): Encoder;
    quantize(rgba: Uint8Array, maxColors: number, options?: { format?: string }): Palette;
    applyPalette(rgba: Uint8Array, palette: Palette, format?: string): Uint8Array;
  };
  export default gifenc;
}
