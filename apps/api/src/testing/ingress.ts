/** What ingress answered: its status and plain-text body (`queued`, `filtered`, `Unauthorized`, …). */
export interface IngressAnswer {
  status: number;
  text: string;
}

/** Posts `body`, sent as it is, to the ingress of `room` (authenticated by `headers`, if at all). */
export async function postToIngress(baseUrl: string, room: string, body: string, headers: Record<string, string> = {}): Promise<IngressAnswer> {
  const res = await fetch(`${baseUrl}/rooms/${room}/ingress`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, text: await res.text() };
}
