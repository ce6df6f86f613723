// Progress actions: export to a JSON file, import a file (validated; nothing changes when it is not valid),
// reset (asks for a second click). Mounted on [data-progress-panel] (the skill matrix page, the header popover).
// Hooks: [data-progress-export], [data-progress-import] (opens the file chooser), [data-progress-file],
// [data-progress-reset], [data-progress-reset-confirm], [data-progress-message] (aria-live).

import * as store from "./store.js";

const FILE_NAME = "sequencehub-progress.json";

function button(label, hook, extra = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "md-button sh-progress__button";
  b.textContent = label;
  b.setAttribute(hook, "");
  for (const [k, v] of Object.entries(extra)) b.setAttribute(k, v);
  return b;
}

function download(text) {
  const url = URL.createObjectURL(new Blob([text], {type: "application/json"}));
  const a = document.createElement("a");
  a.href = url;
  a.download = FILE_NAME;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function mount(el) {
  el.classList.add("sh-progress");
  const message = document.createElement("p");
  message.className = "sh-progress__message";
  message.setAttribute("aria-live", "polite");
  message.dataset.progressMessage = "";
  const file = document.createElement("input");
  file.type = "file";
  file.accept = "application/json,.json";
  file.hidden = true;
  file.dataset.progressFile = "";
  file.setAttribute("aria-label", "Progress file to import");

  const exportButton = button("Export progress", "data-progress-export");
  const importButton = button("Import progress…", "data-progress-import");
  const resetButton = button("Reset progress", "data-progress-reset");
  const confirm = button("Yes, erase all my progress", "data-progress-reset-confirm");
  const cancel = button("Cancel", "data-progress-reset-cancel");
  const confirmBox = document.createElement("p");
  confirmBox.className = "sh-progress__confirm";
  confirmBox.hidden = true;
  confirmBox.append("Erase every answer and all XP in this browser? ", confirm, " ", cancel);

  const say = (text) => { message.textContent = text; };
  exportButton.addEventListener("click", () => {
    download(store.exportText());
    say(`Saved ${FILE_NAME} (${store.totalXp()} XP).`);
  });
  importButton.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    const chosen = file.files && file.files[0];
    file.value = "";
    if (!chosen) return;
    try {
      if (chosen.size > 2_000_000) throw new Error("the file is too large to be progress data");
      store.importText(await chosen.text());
      say(`Imported ${chosen.name}: ${store.totalXp()} XP.`);
    } catch (error) {
      say(`Could not import ${chosen.name}: ${error.message}. Your progress is unchanged.`);
    }
  });
  resetButton.addEventListener("click", () => {
    confirmBox.hidden = false;
    confirm.focus();
  });
  cancel.addEventListener("click", () => {
    confirmBox.hidden = true;
    resetButton.focus();
  });
  confirm.addEventListener("click", () => {
    store.reset();
    confirmBox.hidden = true;
    say("Your progress was reset.");
    resetButton.focus();
  });

  const actions = document.createElement("p");
  actions.className = "sh-progress__actions";
  actions.append(exportButton, " ", importButton, " ", resetButton);
  el.replaceChildren(actions, confirmBox, file, message);
}
