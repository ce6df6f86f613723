// A visible notice at the top of the page's content (progress reset, storage unavailable). role="alert" so a
// screen reader announces it; a button dismisses it.

export function show(message, {kind = "warning"} = {}) {
  const notice = document.createElement("div");
  notice.className = `sh-notice sh-notice--${kind}`;
  notice.setAttribute("role", "alert");
  notice.dataset.shNotice = kind;
  const text = document.createElement("p");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "sh-notice__close";
  close.textContent = "Dismiss";
  close.addEventListener("click", () => notice.remove());
  notice.append(text, close);
  const host = document.querySelector(".md-content__inner") || document.querySelector("main") || document.body;
  host.prepend(notice);
  return notice;
}
