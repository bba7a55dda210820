/** The BotDeck mark (a deck of bot cards), drawn inline so it needs no asset request. */
export function BrandMark({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect x="1" y="1" width="30" height="30" rx="7" fill="#ffffff" fillOpacity="0.18" />
      <rect x="10" y="6" width="16" height="14" rx="2.5" fill="#a4a7ec" />
      <rect x="8" y="8.5" width="16" height="14" rx="2.5" fill="#cfd1f6" />
      <rect x="6" y="11" width="16" height="14" rx="2.5" fill="#ffffff" />
      <circle cx="10.5" cy="17" r="1.4" fill="#4b53bc" />
      <circle cx="17.5" cy="17" r="1.4" fill="#4b53bc" />
      <rect x="10" y="20.5" width="8" height="1.3" rx="0.6" fill="#4b53bc" />
    </svg>
  );
}
