export interface RawHttpAnswer {
  status: number;
  body?: string;
  error?: string;
}
export class RawHttpPool {
  constructor(options: { host: string; port: number | string; size: number; withBody?: boolean });
  request(method: string, path: string, headers: Record<string, string | number>, body?: string): Promise<RawHttpAnswer>;
  close(): void;
}
