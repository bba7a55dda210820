// Exports leave the window as a file download (Blob + <a download>). WebKitGTK hands such a
// download to Tauri's default handler, which may save silently or not at all depending on the
// platform, so every export is also offered as "copy to clipboard" — the admin always gets the
// text, whichever works.

export function downloadText(fileName: string, text: string, mime: string): boolean {
  try {
    const url = URL.createObjectURL(new Blob([text], { type: mime }));
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    a.rel = "noopener";
    document.body.appendChild(a);
    a.click();
    a.remove();
    // Revoke later: WebKit reads the blob after the click handler returns.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return true;
  } catch {
    return false;
  }
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** `flashduty` + `d5a7…` → `botdeck-permissions-flashduty-d5a7c3e1`. */
export function exportBaseName(profileId: string, appId: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9-]/g, "").slice(0, 40);
  return `botdeck-permissions-${safe(profileId)}-${safe(appId).slice(0, 8)}`;
}
