import { Navigate, Route, Routes } from 'react-router';
import { RequireAuth, UnauthorizedRedirect } from './auth';
import { Layout } from './components/Layout';
import { NotFoundPage } from './pages/NotFoundPage';
import { LoginPage } from './pages/LoginPage';
import { CodePage } from './pages/classification/CodePage';
import { ListPage } from './pages/classification/ListPage';
import { ListsPage } from './pages/classification/ListsPage';
import { NewProposalPage } from './pages/classification/NewProposalPage';
import { ProposalPage } from './pages/classification/ProposalPage';
import { ProposalsPage } from './pages/classification/ProposalsPage';
import { SearchPage } from './pages/classification/SearchPage';
import { EntryPage } from './pages/ledger/EntryPage';
import { LedgerPage } from './pages/ledger/LedgerPage';
import { FactorsPage } from './pages/footprint/factors/FactorsPage';
import { ProductEditorPage } from './pages/footprint/products/ProductEditorPage';
import { ProductsPage } from './pages/footprint/products/ProductsPage';
import { ConnectionsPage } from './pages/exchange/connections/ConnectionsPage';
import { PublishedPage } from './pages/exchange/published/PublishedPage';
import { AccountsPage } from './pages/registry/accounts/AccountsPage';
import { ProjectsPage } from './pages/registry/projects/ProjectsPage';
import { Article6Page } from './pages/registry/article6/Article6Page';
import { InteropPage } from './pages/registry/interop/InteropPage';
import { CertificatesPage } from './pages/registry/certificates/CertificatesPage';
import { ExplorerPage } from './pages/registry/explorer/ExplorerPage';
import { ScopePage } from './pages/cbam/scope/ScopePage';
import { InstallationsPage } from './pages/cbam/installations/InstallationsPage';
import { SuppliersPage } from './pages/cbam/suppliers/SuppliersPage';
import { DeclarationPage } from './pages/cbam/declaration/DeclarationPage';
import { CostPage } from './pages/cbam/cost/CostPage';

const guarded = (el: React.ReactNode) => <RequireAuth>{el}</RequireAuth>;

export function App() {
  return (
    <Layout>
      <UnauthorizedRedirect />
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/" element={<Navigate to="/classification" replace />} />
        <Route path="/classification">
          <Route index element={guarded(<SearchPage />)} />
          <Route path="codes/:code" element={guarded(<CodePage />)} />
          <Route path="lists" element={guarded(<ListsPage />)} />
          <Route path="lists/:slug" element={guarded(<ListPage />)} />
          <Route path="lists/:slug/proposals" element={guarded(<ProposalsPage />)} />
          <Route path="lists/:slug/proposals/new" element={guarded(<NewProposalPage />)} />
          <Route path="proposals" element={guarded(<ProposalsPage />)} />
          <Route path="proposals/new" element={guarded(<NewProposalPage />)} />
          <Route path="proposals/:id" element={guarded(<ProposalPage />)} />
        </Route>
        {/* Public: the ledger is there to be checked by anyone, signed in or not. */}
        <Route path="/ledger">
          <Route index element={<LedgerPage />} />
          <Route path="entries/:index" element={<EntryPage />} />
        </Route>
        <Route path="/footprint">
          <Route index element={<Navigate to="/footprint/products" replace />} />
          <Route path="factors" element={guarded(<FactorsPage />)} />
          <Route path="products" element={guarded(<ProductsPage />)} />
          <Route path="products/new" element={guarded(<ProductEditorPage />)} />
          <Route path="products/:id" element={guarded(<ProductEditorPage />)} />
        </Route>
        <Route path="/exchange">
          <Route index element={<Navigate to="/exchange/published" replace />} />
          <Route path="published" element={guarded(<PublishedPage />)} />
          <Route path="connections" element={guarded(<ConnectionsPage />)} />
        </Route>
        <Route path="/registry">
          <Route index element={<Navigate to="/registry/accounts" replace />} />
          <Route path="accounts/*" element={guarded(<AccountsPage />)} />
          <Route path="projects/*" element={guarded(<ProjectsPage />)} />
          <Route path="article6/*" element={guarded(<Article6Page />)} />
          <Route path="interop/*" element={guarded(<InteropPage />)} />
          <Route path="certificates/*" element={guarded(<CertificatesPage />)} />
          {/* Public: anyone can check projects, issuances and retirements without signing in. */}
          <Route path="explorer/*" element={<ExplorerPage />} />
        </Route>
        <Route path="/cbam">
          <Route index element={<Navigate to="/cbam/scope" replace />} />
          <Route path="scope/*" element={guarded(<ScopePage />)} />
          {/* The exporter's side: installations, their embedded emissions and communication files. */}
          <Route path="installations/*" element={guarded(<InstallationsPage />)} />
          {/* The importer's side: supplier files, shipments and declaration, certificate cost. */}
          <Route path="suppliers/*" element={guarded(<SuppliersPage />)} />
          <Route path="declaration/*" element={guarded(<DeclarationPage />)} />
          <Route path="cost/*" element={guarded(<CostPage />)} />
        </Route>
        <Route path="*" element={guarded(<NotFoundPage />)} />
      </Routes>
    </Layout>
  );
}
