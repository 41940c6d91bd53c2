/** Small helpers shared by the e2e test pages. */

export function status(s: string): void {
  document.getElementById('status')!.textContent = s;
}

export function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.onload = () => resolve();
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(el);
  });
}
