// Kontor's signed-in pages, enhanced: posting without a reload, live
// updates from the streaming API, optimistic buttons and keyboard
// shortcuts. Every page works without this file; it never builds HTML from
// data (the server renders each piece it inserts).
"use strict";
(function () {
  const body = document.body;
  const csrf = body.dataset.csrf;
  const toast = document.getElementById("toast");
  let toastTimer;

  function say(msg) {
    if (!toast) return;
    toast.textContent = msg;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.textContent = ""; }, 5000);
  }

  // fragment parses a piece of page the server rendered for insertion.
  function fragment(html) {
    const t = document.createElement("template");
    t.innerHTML = html;
    return t.content;
  }

  function send(form) {
    return fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Kontor-Fragment": "1" },
    });
  }

  // --- compose: post without a reload ---
  const compose = document.getElementById("compose");
  const posts = document.getElementById("posts");
  if (compose) {
    const as = compose.querySelector("select[name=as]");
    const markAs = () => {
      const box = document.getElementById("as-box");
      if (as && box) box.classList.toggle("brand", as.selectedOptions[0].dataset.brand === "true");
    };
    if (as) { as.addEventListener("change", markAs); markAs(); }
    compose.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const button = compose.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const resp = await send(compose);
        const text = await resp.text();
        if (resp.status === 201 && !posts) {
          location.reload();
        } else if (resp.status === 201) {
          const empty = posts.querySelector(".empty");
          if (empty) empty.remove();
          const piece = fragment(text);
          const el = piece.firstElementChild;
          if (compose.dataset.insert === "append") posts.append(piece); else posts.prepend(piece);
          if (el) {
            seen.add(el.dataset.id);
            // A stream event may have queued it already.
            const i = waiting.findIndex((w) => w.id === el.id);
            if (i >= 0) { waiting.splice(i, 1); showWaiting(); }
          }
          compose.reset(); markAs();
          say("Posted.");
        } else if (resp.status === 202) {
          compose.after(fragment(text));
          compose.reset(); markAs();
        } else {
          say(text || "Posting failed (" + resp.status + ").");
        }
      } catch (e) {
        say("Posting failed: the server cannot be reached.");
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- optimistic buttons: boost, favourite, bookmark ---
  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!form.dataset || !form.dataset.toggle) return;
    ev.preventDefault();
    const button = form.querySelector("button");
    const was = button.getAttribute("aria-pressed") === "true";
    const base = form.action.replace(/\/[a-z]+$/, "/");
    const flip = (on) => {
      button.setAttribute("aria-pressed", String(on));
      form.action = base + (on ? "un" + form.dataset.toggle : form.dataset.toggle);
      const m = button.textContent.match(/^(\S+) (\d+)$/);
      if (m) button.textContent = m[1] + " " + Math.max(0, Number(m[2]) + (on ? 1 : -1));
    };
    const request = send(form); // before flip changes the form's action
    flip(!was);
    try {
      const resp = await request;
      if (!resp.ok) { flip(was); say((await resp.text()) || "That did not work."); }
    } catch (e) {
      flip(was); say("The server cannot be reached.");
    }
  });

  // --- delete one's own post, after a confirmation ---
  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute("data-delete")) return;
    ev.preventDefault();
    if (!window.confirm("Delete this post? This cannot be undone.")) return;
    try {
      const resp = await send(form);
      if (resp.ok) {
        const post = form.closest(".post");
        if (post) post.remove();
        say("Deleted.");
      } else {
        say((await resp.text()) || "Deleting failed.");
      }
    } catch (e) {
      say("The server cannot be reached.");
    }
  });

  // --- live updates from the streaming API ---
  const seen = new Set();
  document.querySelectorAll(".post").forEach((p) => seen.add(p.dataset.id));
  const waiting = [];
  const newPosts = document.getElementById("new-posts");
  const unread = document.getElementById("unread-count");
  const baseTitle = document.title.replace(/^\(\d+\+?\) /, "");

  function setUnread(n) {
    if (!unread) return;
    unread.textContent = n > 99 ? "99+" : String(n);
    unread.hidden = n === 0;
    document.title = (n ? "(" + unread.textContent + ") " : "") + baseTitle;
  }

  function showWaiting() {
    if (!newPosts) return;
    newPosts.hidden = waiting.length === 0;
    newPosts.textContent = waiting.length === 1 ? "1 new post" : waiting.length + " new posts";
  }

  if (newPosts) {
    newPosts.addEventListener("click", () => {
      if (!posts) return;
      const empty = posts.querySelector(".empty");
      if (empty) empty.remove();
      while (waiting.length) posts.prepend(waiting.shift());
      showWaiting();
      posts.firstElementChild && posts.firstElementChild.focus();
    });
  }

  async function fetchPost(id) {
    const resp = await fetch("/statuses/" + encodeURIComponent(id), {
      credentials: "same-origin", headers: { "X-Kontor-Fragment": "1" },
    });
    return resp.ok ? fragment(await resp.text()) : null;
  }

  async function onUpdate(status) {
    if (!posts || !status || seen.has(status.id)) return;
    seen.add(status.id);
    const piece = await fetchPost(status.id);
    const el = piece && piece.firstElementChild;
    // The page may show it meanwhile (the reader's own post, just sent).
    if (!el || document.getElementById(el.id)) return;
    waiting.unshift(el);
    showWaiting();
  }

  async function onNotification(n) {
    const list = document.getElementById("notifications");
    // The notifications page marks what it shows read.
    if (unread && !list) setUnread((parseInt(unread.textContent, 10) || 0) + 1);
    if (list && n && n.id) {
      const resp = await fetch("/notifications/" + encodeURIComponent(n.id), {
        credentials: "same-origin", headers: { "X-Kontor-Fragment": "1" },
      });
      if (resp.ok) {
        const empty = list.querySelector(".empty");
        if (empty) empty.remove();
        list.prepend(fragment(await resp.text()));
      }
    }
    say("New notification");
  }

  const token = body.dataset.streamToken;
  const stream = body.dataset.stream || "user/notification";
  // Every page counts notifications: pages on another stream open the
  // notification stream too (the user stream carries both).
  if (stream !== "user" && stream !== "user/notification") connect("user/notification", 1000);
  connect(stream, 1000);

  function connect(stream, backoff) {
    if (!token || !window.EventSource) return;
    const sep = stream.includes("?") ? "&" : "?";
    const es = new EventSource("/api/v1/streaming/" + stream + sep + "access_token=" + encodeURIComponent(token));
    es.onopen = () => { backoff = 1000; body.dataset.live = "true"; };
    es.addEventListener("update", (ev) => { try { onUpdate(JSON.parse(ev.data)); } catch (e) { /* a malformed event is skipped */ } });
    es.addEventListener("notification", (ev) => { try { onNotification(JSON.parse(ev.data)); } catch (e) { /* skipped */ } });
    // An edit, or a link preview that arrived: a post on the page is redrawn.
    es.addEventListener("status.update", async (ev) => {
      try {
        const status = JSON.parse(ev.data);
        const shown = status && document.getElementById("post-" + status.id);
        if (!shown) return;
        const piece = await fetchPost(status.id);
        const el = piece && piece.firstElementChild;
        if (el) shown.replaceChildren(...el.childNodes);
      } catch (e) { /* a malformed event is skipped */ }
    });
    es.addEventListener("delete", (ev) => {
      const el = document.getElementById("post-" + ev.data);
      if (el) el.remove();
    });
    es.addEventListener("conversation", () => {
      if (!document.getElementById("conversations") || !newPosts) return;
      newPosts.hidden = false;
      newPosts.textContent = "New direct messages: show them";
      newPosts.onclick = () => location.reload();
    });
    es.onerror = () => {
      es.close();
      body.dataset.live = "false";
      setTimeout(() => connect(stream, Math.min(backoff * 2, 60000)), backoff);
    };
  }

  // --- keyboard: n compose, j/k next/previous post ---
  let current = -1;
  function move(by) {
    const list = Array.from(document.querySelectorAll("#posts .post"));
    if (!list.length) return;
    if (list[current]) list[current].classList.remove("current");
    current = Math.max(0, Math.min(list.length - 1, current + by));
    list[current].classList.add("current");
    list[current].focus();
    list[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      if (ev.key === "Escape") t.blur();
      return;
    }
    if (ev.key === "n") {
      // Focus on keyup, so the key itself is not typed into the box.
      ev.preventDefault();
      composeOnKeyUp = true;
    } else if (ev.key === "j") { move(1); } else if (ev.key === "k") { move(-1); }
  });
  let composeOnKeyUp = false;
  document.addEventListener("keyup", (ev) => {
    if (!composeOnKeyUp || ev.key !== "n") return;
    composeOnKeyUp = false;
    const area = document.getElementById("status");
    if (area) { compose.classList.add("open"); area.focus(); } else { location.href = "/#compose"; }
  });
  window.kontor = { setUnread };
})();
