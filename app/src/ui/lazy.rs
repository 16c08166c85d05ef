//! Pages whose code is downloaded the first time one is opened, not with the
//! app. Each is a split point (`#[lazy_route]`) that `scripts/build-app.sh`
//! cuts into its own WebAssembly part; the service worker keeps every part,
//! so they open offline too (docs/performance.md, "Cold load"). What a social
//! worker opens on every visit (Mina barn, the child's page with the visit
//! form and the conversation tools) stays in the main module.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// A route to a page, loaded on first use.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        pub(crate) struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                untrack($page).into_any()
            }
        }
    };
}

lazy_page!(
    /// Enheter: the signed-in devices.
    Devices => super::devices::DevicesPage
);
lazy_page!(
    /// Kalender.
    Calendar => super::calendar::CalendarPage
);
lazy_page!(
    /// Rutiner: the routine library.
    Routines => super::routines::RoutinesPage
);
lazy_page!(
    /// One routine.
    Routine => super::routines::RoutinePage
);
lazy_page!(
    /// Checklistor: the checklist templates.
    Templates => super::templates::TemplatesPage
);
lazy_page!(
    /// Loggkontroll.
    Audit => super::audit::AuditPage
);
lazy_page!(
    /// A refused change, printed.
    RefusedPrint => super::refused::RefusedPrintPage
);
lazy_page!(
    /// Hemregister.
    Homes => super::register::HomesPage
);
lazy_page!(
    /// One home of the register.
    Home => super::register::HomePage
);
lazy_page!(
    /// A child's register entry.
    ChildRegister => super::register_child::ChildRegisterPage
);
lazy_page!(
    /// Beslut.
    Decisions => super::decisions::DecisionsPage
);
lazy_page!(
    /// A visit, printed for the record.
    VisitPrint => super::record::PrintPage
);
lazy_page!(
    /// Akt: visits for the record, in bulk.
    BulkExport => super::record::BulkExportPage
);
lazy_page!(
    /// Egenkontroll.
    SelfCheck => super::selfcheck::SelfCheckPage
);
lazy_page!(
    /// Egenkontroll, printed.
    SelfCheckPrint => super::selfcheck::SelfCheckPrintPage
);
lazy_page!(
    /// Ärendegenomgång.
    CaseReview => super::selfcheck::CaseReviewPage
);
lazy_page!(
    /// Språk: the translations and their review.
    Languages => super::languages::LanguagesPage
);
lazy_page!(
    /// Mitt kort.
    MyCard => super::worker_card::MyCardPage
);
lazy_page!(
    /// A child's card of their social worker.
    ChildCard => super::worker_card::ChildCardPage
);
lazy_page!(
    /// Klagomål.
    Complaints => super::complaints::ComplaintsPage
);
lazy_page!(
    /// Rapportera en avvikelse.
    DeviationReport => super::deviations::ReportPage
);
lazy_page!(
    /// Avvikelser.
    Deviations => super::deviations::ListPage
);
lazy_page!(
    /// Avvikelser: statistik.
    DeviationFigures => super::deviations::FiguresPage
);
lazy_page!(
    /// One deviation.
    Deviation => super::deviations::DeviationPage
);
lazy_page!(
    /// Att göra.
    Todo => super::deviations::TodoPage
);
lazy_page!(
    /// Tappad platta.
    LostTablet => super::deviations::LostTabletPage
);
lazy_page!(
    /// The children's corner: its start.
    CornerHome => super::corner::CornerHome
);
lazy_page!(
    /// The children's corner: whom to reach.
    CornerContacts => super::corner::ContactsPage
);
lazy_page!(
    /// The children's corner: my social worker's card.
    CornerCard => super::worker_card::SharedCardPage
);
lazy_page!(
    /// The children's corner: say what you think.
    CornerMessage => super::message::MessagePage
);
lazy_page!(
    /// The children's corner: the answer.
    CornerAnswer => super::message::AnswerPage
);
lazy_page!(
    /// The children's corner: the topics for an age.
    CornerAge => super::corner::AgePage
);
lazy_page!(
    /// The children's corner: one topic.
    CornerTopic => super::corner::TopicPage
);
