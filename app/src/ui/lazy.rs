//! Pages whose code is downloaded the first time one of their group is
//! opened, not with the app. Each is a split point (`wasm_split`) in one of
//! six parts, which `scripts/build-app.sh` cuts out of the module; the
//! service worker keeps every part, so they open offline too
//! (docs/architecture.md, "Pages loaded on first use"). What a social worker
//! opens on every visit (Mina barn, the child's page with the visit form and
//! the conversation tools) stays in the main module.

use crate::i18n::{t, use_i18n};
use crate::platform::browser;
use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use leptos_router::LazyRoute;

/// A page's part could not be loaded: offline before the service worker had
/// kept it, a broken download, or a newer version of the app replaced it on
/// the server.
pub(crate) struct PartMissing;

impl From<SplitLoaderError> for PartMissing {
    fn from(_: SplitLoaderError) -> Self {
        PartMissing
    }
}

/// What such a page shows instead of stopping the app.
fn part_missing() -> AnyView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, shell.part_missing_title)}</h1>
        <p class="error" role="alert" data-testid="part-missing">{t!(i18n, shell.part_missing)}</p>
        <button type="button" class="button" on:click=|_| browser::reload_page()>
            {t!(i18n, shell.part_missing_retry)}
        </button>
    }
    .into_any()
}

/// A route to a page, loaded on first use: `$route` names the route,
/// `$part` the part its code goes in (pages used together share one, so a
/// device keeps a few parts, not hundreds), `$load` the function that makes
/// the page.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident in $part:ident, $load:ident => $page:path) => {
        $(#[$doc])*
        pub(crate) struct $route;

        #[wasm_split($part, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $load() -> Result<AnyView, PartMissing> {
            Ok(untrack($page).into_any())
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                $load().await.unwrap_or_else(|PartMissing| part_missing())
            }
        }
    };
}

lazy_page!(
    /// Enheter: the signed-in devices.
    Devices in own_pages, devices_page => super::devices::DevicesPage
);
lazy_page!(
    /// Kalender.
    Calendar in own_pages, calendar_page => super::calendar::CalendarPage
);
lazy_page!(
    /// Rutiner: the routine library.
    Routines in library, routines_page => super::routines::RoutinesPage
);
lazy_page!(
    /// One routine.
    Routine in library, routine_page => super::routines::RoutinePage
);
lazy_page!(
    /// Checklistor: the checklist templates.
    Templates in library, templates_page => super::templates::TemplatesPage
);
lazy_page!(
    /// Loggkontroll.
    Audit in follow_up, audit_page => super::audit::AuditPage
);
lazy_page!(
    /// A refused change, printed.
    RefusedPrint in own_pages, refused_print_page => super::refused::RefusedPrintPage
);
lazy_page!(
    /// Hemregister.
    Homes in register, homes_page => super::register::HomesPage
);
lazy_page!(
    /// One home of the register.
    Home in register, home_page => super::register::HomePage
);
lazy_page!(
    /// A child's register entry.
    ChildRegister in register, child_register_page => super::register_child::ChildRegisterPage
);
lazy_page!(
    /// Beslut.
    Decisions in register, decisions_page => super::decisions::DecisionsPage
);
lazy_page!(
    /// A visit, printed for the record.
    VisitPrint in own_pages, visit_print_page => super::record::PrintPage
);
lazy_page!(
    /// Akt: visits for the record, in bulk.
    BulkExport in own_pages, bulk_export_page => super::record::BulkExportPage
);
lazy_page!(
    /// Egenkontroll.
    SelfCheck in follow_up, self_check_page => super::selfcheck::SelfCheckPage
);
lazy_page!(
    /// Egenkontroll, printed.
    SelfCheckPrint in follow_up, self_check_print_page => super::selfcheck::SelfCheckPrintPage
);
lazy_page!(
    /// Ärendegenomgång.
    CaseReview in follow_up, case_review_page => super::selfcheck::CaseReviewPage
);
lazy_page!(
    /// Språk: the translations and their review.
    Languages in library, languages_page => super::languages::LanguagesPage
);
lazy_page!(
    /// Mitt kort.
    MyCard in own_pages, my_card_page => super::worker_card::MyCardPage
);
lazy_page!(
    /// A child's card of their social worker.
    ChildCard in own_pages, child_card_page => super::worker_card::ChildCardPage
);
lazy_page!(
    /// Klagomål.
    Complaints in deviations, complaints_page => super::complaints::ComplaintsPage
);
lazy_page!(
    /// Rapportera en avvikelse.
    DeviationReport in deviations, deviation_report_page => super::deviations::ReportPage
);
lazy_page!(
    /// Avvikelser.
    Deviations in deviations, deviations_page => super::deviations::ListPage
);
lazy_page!(
    /// Avvikelser: statistik.
    DeviationFigures in deviations, deviation_figures_page => super::deviations::FiguresPage
);
lazy_page!(
    /// One deviation.
    Deviation in deviations, deviation_page => super::deviations::DeviationPage
);
lazy_page!(
    /// Att göra.
    Todo in deviations, todo_page => super::deviations::TodoPage
);
lazy_page!(
    /// Tappad platta.
    LostTablet in deviations, lost_tablet_page => super::deviations::LostTabletPage
);
lazy_page!(
    /// The children's corner: its start.
    CornerHome in corner, corner_home_page => super::corner::CornerHome
);
lazy_page!(
    /// The children's corner: whom to reach.
    CornerContacts in corner, corner_contacts_page => super::corner::ContactsPage
);
lazy_page!(
    /// The children's corner: my social worker's card.
    CornerCard in corner, corner_card_page => super::worker_card::SharedCardPage
);
lazy_page!(
    /// The children's corner: say what you think.
    CornerMessage in corner, corner_message_page => super::message::MessagePage
);
lazy_page!(
    /// The children's corner: the answer.
    CornerAnswer in corner, corner_answer_page => super::message::AnswerPage
);
lazy_page!(
    /// The children's corner: the topics for an age.
    CornerAge in corner, corner_age_page => super::corner::AgePage
);
lazy_page!(
    /// The children's corner: one topic.
    CornerTopic in corner, corner_topic_page => super::corner::TopicPage
);
