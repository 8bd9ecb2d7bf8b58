export function App() {
  return (
    <main className="shell">
      <h1>Rolegate</h1>
      <p>Keyless, least-privilege, audited access to your customers' AWS accounts.</p>
    </main>
  );
}
