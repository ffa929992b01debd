/** What the edge subgraph's resolvers read: live edge state, no I/O to the cloud. */
export interface EdgeDetectorStats {
  primaryVersion: number | null;
  ooddVersion: number | null;
  ready: boolean;
  imageQueries: number;
  escalations: number;
  meanLatencyMs: number | null;
}

export interface EdgeGraphState {
  hubName: string;
  detectorIds(): string[];
  detector(id: string): Promise<EdgeDetectorStats>;
  outboxPending(): number;
  configOk(): boolean;
  cloudReachable(): boolean;
}

export interface EdgeGraphContext {
  edge: EdgeGraphState;
}
