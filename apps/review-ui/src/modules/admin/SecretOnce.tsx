/** A secret the cloud shows only once (a new API or hub token), with a copy button. */
export function SecretOnce({ what, secret, onDone }: { what: string; secret: string; onDone: () => void }) {
  return (
    <div className="notice notice-good secret" role="status" data-testid="secret">
      <p>
        The {what} is shown only now. Copy it and give it to its owner: the cloud keeps only its first
        characters.
      </p>
      <code className="mono" data-testid="secret-value">
        {secret}
      </code>{' '}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => void navigator.clipboard?.writeText(secret)}
      >
        Copy
      </button>{' '}
      <button type="button" className="link" onClick={onDone}>
        Done
      </button>
    </div>
  );
}
