// TODO(skeleton): built by the CBAM scope part.
export function ScopePage() {
  return <h1>CBAM</h1>;
}
