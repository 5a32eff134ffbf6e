// Copying a link on phones: the Clipboard API where the page may use it (a secure page, a
// permitting browser), else a selected text area and the older copy command, which WeChat's
// in-app browsers and plain-http pages still honour.

/** True when the text reached the clipboard. */
export async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission, page not focused): try the older way.
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  // Kept off-screen but selectable; iOS does not select hidden or display:none elements.
  Object.assign(area.style, { position: "fixed", top: "0", left: "-9999px", fontSize: "16px" });
  document.body.appendChild(area);
  area.select();
  area.setSelectionRange(0, text.length);
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
