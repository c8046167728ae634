// TODO(skeleton): built by the CBAM declaration part.
export function DeclarationPage() {
  return <h1>CBAM</h1>;
}
