// TODO(skeleton): built by the CBAM suppliers part.
export function SuppliersPage() {
  return <h1>CBAM</h1>;
}
