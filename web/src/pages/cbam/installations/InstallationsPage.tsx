// TODO(skeleton): built by the CBAM installations part.
export function InstallationsPage() {
  return <h1>CBAM</h1>;
}
