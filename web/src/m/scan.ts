/** Whether this browser can read barcodes from the camera itself (BarcodeDetector). */
export function canScan(): boolean {
  return "BarcodeDetector" in window && !!navigator.mediaDevices?.getUserMedia;
}
