// The device's own storage for the officer page (IndexedDB): the trust data with the time it
// was fetched, and the queue of checks made offline waiting to be uploaded.
"use strict";

const DB_NAME = "onboard-officer";
const DB_VERSION = 1;
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "client_id" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

async function tx(store, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const value = work(t.objectStore(store));
    t.oncomplete = () => resolve(value && "result" in value ? value.result : undefined);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

export const getValue = (key) => tx("kv", "readonly", (s) => s.get(key));
export const setValue = (key, value) => tx("kv", "readwrite", (s) => s.put(value, key));
export const queued = () => tx("queue", "readonly", (s) => s.getAll());
export const enqueue = (item) => tx("queue", "readwrite", (s) => s.put(item));
export const dequeue = (ids) => tx("queue", "readwrite", (s) => { for (const id of ids) s.delete(id); });
