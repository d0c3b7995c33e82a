// Per-file upload progress for the request page's upload form (apps/ingress/src/views/request.njk), as
// progressive enhancement: a module file (the Content-Security-Policy allows no inline script), and
// without JavaScript the form posts every file at once as before. With it, each file is sent on its
// own (the same form fields: CSRF token, group, kind, then the one file) so each shows its own
// progress; the server's page comes back as usual once every file is in.

function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Sends one file with the form's other fields; resolves with the final response's URL. */
function send(form, fields, file, progress) {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    for (const [name, value] of fields) body.append(name, value);
    body.append('files', file, file.name);
    const request = new XMLHttpRequest();
    request.open('POST', form.action);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) resolve(request.responseURL);
      else reject(new Error(`${file.name} was refused (${request.status}). Reload the page to see why.`));
    });
    request.addEventListener('error', () => reject(new Error(`${file.name} could not be sent. Check your connection and try again.`)));
    request.send(body);
  });
}

function enhance(form) {
  const input = form.querySelector('input[type="file"]');
  if (!input) return;
  const list = el('ul', { class: 'govuk-list airlock-upload-progress', 'aria-label': 'Upload progress' });
  const status = el('p', { class: 'govuk-body', role: 'status', 'aria-live': 'polite' });
  form.after(list, status);
  form.addEventListener('submit', async (event) => {
    const files = [...input.files];
    // No file chosen: let the server say so, as without JavaScript.
    if (files.length === 0) return;
    event.preventDefault();
    const fields = [...new FormData(form).entries()].filter(([, value]) => typeof value === 'string');
    const button = form.querySelector('button[type="submit"], button:not([type])');
    if (button) button.disabled = true;
    list.replaceChildren();
    const bars = files.map((file, index) => {
      const id = `upload-progress-${index}`;
      const item = el('li', { class: 'airlock-upload-progress__item' });
      item.append(el('label', { class: 'govuk-label govuk-!-display-inline', for: id }, file.name), ' ');
      const bar = el('progress', { id, max: '100', value: '0' });
      item.append(bar);
      list.append(item);
      return bar;
    });
    let next = form.action;
    try {
      for (const [index, file] of files.entries()) {
        status.textContent = `Uploading ${file.name} (${index + 1} of ${files.length})`;
        next = await send(form, fields, file, bars[index]);
        bars[index].value = 100;
      }
      status.textContent = `${files.length} file${files.length === 1 ? '' : 's'} uploaded`;
      // The request page again, loaded afresh (a new address, so the browser does not stop at the fragment).
      const target = new URL(next, window.location.href);
      target.search = `?uploaded=${files.length}`;
      target.hash = 'files';
      window.location.assign(target);
    } catch (error) {
      status.textContent = error.message;
      if (button) button.disabled = false;
    }
  });
}

document.querySelectorAll('form[data-upload-progress]').forEach(enhance);
