/** Who asks: a token the edge has authorised. Services act for it (detector lookups in the cloud go with it). */
export interface Caller {
  token: string;
}
