// Calls to the mda API from the page: same origin, the session cookie or a bearer token, and
// errors as one readable line ("401 ...", "403 ...") taken from the API's {"detail": ...}.

const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

export async function call(path, { method = "GET", body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (err) {
    throw new ApiError(0, `the service does not answer (${err.message})`);
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail ?? detail;
    } catch {
      // not JSON (a proxy's error page): the status text says enough
    }
    throw new ApiError(response.status, detail);
  }
  return response.status === 204 ? null : response.json();
}

// What a person reads about a failed call: the status spelled out, then the API's sentence.
export function describe(err) {
  if (!(err instanceof ApiError)) return String(err?.message ?? err);
  const kinds = {
    0: "No connection",
    401: "Not signed in (401)",
    403: "Not allowed (403)",
    404: "Not found (404)",
    409: "Conflict (409)",
    503: "Unavailable (503)",
  };
  return `${kinds[err.status] ?? `Error ${err.status}`}: ${err.detail}`;
}

export const streamUrl = `${BASE}/stream`;
