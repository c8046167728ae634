// TODO(skeleton): built by the CBAM cost part.
export function CostPage() {
  return <h1>CBAM</h1>;
}
