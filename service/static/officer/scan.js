// QR decoding on the device: the browser's BarcodeDetector where it exists, otherwise the
// vendored ZXing WebAssembly reader (vendor/zxing-wasm, served by this service; never a CDN).
"use strict";

const VENDOR = "/officer/app/vendor/zxing-wasm/";
let zxing = null;

export async function wasmReader() {
  if (!zxing) {
    zxing = (async () => {
      const mod = await import(VENDOR + "es/reader/index.js");
      // The package's default would fetch the .wasm from a CDN: point it at our copy.
      await mod.prepareZXingModule({
        overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? VENDOR + "zxing_reader.wasm" : prefix + path) },
        fireImmediately: true,
      });
      return mod;
    })();
    zxing.catch(() => { zxing = null; });
  }
  return zxing;
}

/** Decode a QR code from ImageData with the WebAssembly reader; the text or null. */
export async function decodeImageData(imageData) {
  const mod = await wasmReader();
  const found = await mod.readBarcodes(imageData, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 });
  return found.length && found[0].isValid ? found[0].text : null;
}

/** Decode a photo (Blob) with the WebAssembly reader; the text or null. */
export async function decodeBlob(blob) {
  const mod = await wasmReader();
  const found = await mod.readBarcodes(blob, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 });
  return found.length && found[0].isValid ? found[0].text : null;
}

/** The best decoder this browser has: {path, detect(video, canvas) -> text|null}. */
export async function makeDetector() {
  if ("BarcodeDetector" in self) {
    try {
      const formats = await self.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new self.BarcodeDetector({ formats: ["qr_code"] });
        return { path: "barcode-detector", detect: async (video) => { const c = await detector.detect(video); return c.length ? c[0].rawValue : null; } };
      }
    } catch (e) { /* fall through to the WebAssembly reader */ }
  }
  await wasmReader();
  return {
    path: "zxing-wasm",
    detect: async (video, canvas) => {
      if (!video.videoWidth) return null;
      const scale = Math.min(1, 960 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      return decodeImageData(ctx.getImageData(0, 0, canvas.width, canvas.height));
    },
  };
}
