//! The console's words, in Hindi and English, from one catalogue: every text a page shows is
//! a [`Key`], so a page cannot show a sentence in one language only. Data (names, units,
//! reasons typed by officers) is shown as stored.

/// The language a page is shown in, remembered in a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// हिंदी, the default: most station staff read it first.
    #[default]
    Hi,
    /// English.
    En,
}

impl Lang {
    /// The cookie and `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Hi => "hi",
            Lang::En => "en",
        }
    }

    /// The language a cookie value names; Hindi for anything else.
    pub fn from_code(code: &str) -> Self {
        if code == "en" { Lang::En } else { Lang::Hi }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Self {
        match self {
            Lang::Hi => Lang::En,
            Lang::En => Lang::Hi,
        }
    }

    /// The language's name in itself, as the switch shows it.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Hi => "हिंदी",
            Lang::En => "English",
        }
    }

    /// Of a name kept in both languages (a unit's, a village's), the one in this language.
    pub fn pick<'a>(self, hi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Hi => hi,
            Lang::En => en,
        }
    }

    /// The text of `key` in this language.
    pub fn t(self, key: Key) -> &'static str {
        let (hi, en) = key.words();
        match self {
            Lang::Hi => hi,
            Lang::En => en,
        }
    }
}

macro_rules! catalogue {
    ($($key:ident => $hi:literal, $en:literal;)*) => {
        /// A text the console shows.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key {
            $(
                #[doc = $en]
                $key,
            )*
        }

        impl Key {
            /// Every key, for the catalogue's test.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            fn words(self) -> (&'static str, &'static str) {
                match self {
                    $(Key::$key => ($hi, $en),)*
                }
            }
        }
    };
}

catalogue! {
    Console => "मितान स्टेशन कंसोल", "Mitan station console";
    SignIn => "साइन इन", "Sign in";
    SignOut => "साइन आउट", "Sign out";
    Badge => "बैज नंबर", "Badge number";
    Password => "पासवर्ड", "Password";
    PasswordAgain => "पासवर्ड दोबारा", "Password again";
    OneTimeCode => "एक बार का कोड", "One-time code";
    FirstPassword => "पहला पासवर्ड सेट करें", "Set your first password";
    FirstPasswordHelp => "ज़िला प्रशासक से मिले कोड से अपना पासवर्ड सेट करें (कम से कम 10 अक्षर)।", "Set your password with the code the district administrator gave you (at least 10 characters).";
    SetPassword => "पासवर्ड सेट करें", "Set password";
    PasswordSet => "पासवर्ड सेट हो गया। अब साइन इन करें।", "Password set. Sign in now.";
    WrongSignIn => "बैज नंबर या पासवर्ड गलत है।", "Badge number or password is wrong.";
    Locked => "बहुत बार गलत पासवर्ड: यह बैज 15 मिनट के लिए बंद है।", "Too many wrong passwords: this badge is locked for 15 minutes.";
    TooFast => "बहुत सारे प्रयास: एक मिनट बाद फिर कोशिश करें।", "Too many attempts: try again in a minute.";
    CodeRefused => "कोड गलत है, इस्तेमाल हो चुका है या उसकी अवधि खत्म हो गई है।", "The code is wrong, already used or expired.";
    PasswordShort => "पासवर्ड कम से कम 10 अक्षर का होना चाहिए।", "The password must be at least 10 characters.";
    PasswordsDiffer => "दोनों पासवर्ड एक जैसे नहीं हैं।", "The two passwords differ.";
    SessionEnded => "आपका सत्र समाप्त हो गया। फिर से साइन इन करें।", "Your session ended. Sign in again.";
    Progress => "प्रगति", "Progress";
    Review => "समीक्षा", "Review";
    Unit => "इकाई", "Unit";
    Kind => "प्रकार", "Kind";
    Enrolled => "नामांकित", "Enrolled";
    Verified => "सत्यापित", "Verified";
    Target => "लक्ष्य", "Target";
    OfTarget => "लक्ष्य का %", "% of target";
    Lagging => "पीछे", "Lagging";
    LaggingFirst => "पीछे चल रही इकाइयाँ पहले दिखाई गई हैं।", "Units lagging behind their target come first.";
    Employees => "कर्मचारी", "Employees";
    Name => "नाम", "Name";
    Role => "पद", "Role";
    Station => "थाना", "Station";
    Campaign => "अभियान", "Campaign";
    Programme => "कार्यक्रम", "Programme";
    All => "सभी", "All";
    Show => "दिखाएँ", "Show";
    Counted => "गिनती", "Counted";
    Waiting => "समीक्षा के लिए प्रतीक्षारत", "Waiting for review";
    NameDeva => "नाम (देवनागरी)", "Name (Devanagari)";
    NameLatin => "नाम (अंग्रेज़ी)", "Name (Latin)";
    Phone => "मोबाइल", "Mobile";
    Household => "परिवार / मकान", "Household";
    Village => "गाँव", "Village";
    Beat => "बीट", "Beat";
    EnrolledBy => "नामांकन किसने किया", "Enrolled by";
    EnrolledOn => "नामांकन कब", "Enrolled on";
    Status => "स्थिति", "Status";
    Verify => "सत्यापित करें", "Verify";
    VerifySelected => "चुने हुए सत्यापित करें", "Verify selected";
    Reject => "अस्वीकार करें", "Reject";
    Reason => "कारण", "Reason";
    RejectReasonHelp => "कारण कांस्टेबल को उसके फ़ोन पर दिखेगा।", "The constable sees the reason on their phone.";
    Select => "चुनें", "Select";
    NothingWaiting => "समीक्षा के लिए कुछ नहीं है।", "Nothing waits for review.";
    Done => "हो गया", "Done";
    VerifiedCount => "सत्यापित किए गए", "verified";
    RejectedOne => "अस्वीकार किया गया; कारण अगले सिंक पर कांस्टेबल के फ़ोन पर पहुँचेगा।", "Rejected; the reason reaches the constable's phone at its next sync.";
    Previous => "पिछले", "Previous";
    Next => "अगले", "Next";
    Of => "में से", "of";
    Refused => "अनुमति नहीं", "Not allowed";
    NotFound => "नहीं मिला", "Not found";
    Failed => "यह नहीं हो सका", "This could not be done";
    BadForm => "फ़ॉर्म पुराना है या अधूरा: पेज फिर से खोलें।", "The form is stale or incomplete: open the page again.";
    Volunteer => "स्वयंसेवक", "Volunteer";
    Signed => "साइन इन:", "Signed in:";
    Language => "भाषा", "Language";
    Skip => "मुख्य भाग पर जाएँ", "Skip to the main content";
    Details => "विवरण", "Details";
    History => "इतिहास", "History";
    Gender => "लिंग", "Gender";
    Age => "आयु", "Age";
    Guardian => "अभिभावक", "Guardian";
    Programmes => "कार्यक्रम", "Programmes";
    TrainedBy => "प्रशिक्षक", "Trained by";
    Consent => "सहमति", "Consent";
    NoticeVersion => "सूचना, संस्करण", "notice, version";
    ReviewedBy => "समीक्षा किसने की", "Reviewed by";
    Conflicts => "टकराती बदलियाँ", "Conflicting edits";
    RejectedBecause => "अस्वीकार का कारण", "Rejected because";
    DuplicateOfLabel => "इसका डुप्लिकेट", "Duplicate of";
    Actions => "कार्रवाई", "Actions";
    MoveTo => "दूसरी बीट में भेजें", "Move to another beat";
    NewVillage => "वहाँ का गाँव (LGD कोड), यदि बदला", "Their village there (LGD code), if it changed";
    MarkDuplicate => "डुप्लिकेट चिह्नित करें", "Mark as duplicate";
    KeptVolunteer => "रखे जाने वाले स्वयंसेवक की आईडी", "Id of the volunteer kept";
    Withdraw => "सहमति वापसी दर्ज करें (फ़ोन पर मिली)", "Record a withdrawal (received by phone)";
    WithdrawNote => "किसने, कब फ़ोन किया", "Who called, and when";
    Received => "सर्वर पर प्राप्त", "Received by the server";
    DeviceClock => "फ़ोन की घड़ी", "Phone's clock";
    Device => "उपकरण", "Device";
    Action => "कार्रवाई", "Action";
    Fields => "फ़ील्ड", "Fields";
    Erased => "मिटाया गया", "erased";
    SealedField => "बंद (कुंजी नहीं)", "sealed (no key)";
    Devices => "उपकरण (फ़ोन)", "Devices (phones)";
    Registered => "पंजीकृत", "Registered";
    LastSync => "पिछला सिंक", "Last sync";
    LastChange => "पिछला बदलाव मिला", "Last change received";
    Never => "कभी नहीं", "never";
    Revoked => "रद्द", "Revoked";
    Revoke => "रद्द करें", "Revoke";
    Silent => "दो दिन से अधिक से चुप", "Silent for more than two days";
    OldApp => "पुराना ऐप (सिंक प्रोटोकॉल 4): अपडेट करें", "old app (sync protocol 4): update it";
    SilentCount => "दो दिन से अधिक से चुप फ़ोन", "Phones silent for more than two days";
    IssueCode => "एक बार का कोड जारी करें", "Issue a one-time code";
    ForPhone => "फ़ोन पंजीकरण के लिए", "to register a phone";
    ForConsole => "कंसोल पासवर्ड के लिए", "for the console password";
    ValidHours => "कितने घंटे मान्य (1–72)", "Valid for hours (1–72)";
    Issue => "जारी करें", "Issue";
    Slip => "पंजीकरण पर्ची", "Registration slip";
    SlipHelp => "फ़ोन इस QR कोड को स्कैन करे, या कांस्टेबल ये तीनों भरे।", "The phone scans this QR code, or the constable types these three.";
    Server => "सर्वर", "Server";
    CaFingerprint => "CA फ़िंगरप्रिंट", "CA fingerprint";
    ValidUntil => "कब तक मान्य", "Valid until";
    Code => "कोड", "Code";
    Person => "व्यक्ति", "Person";
    RevokedNotice => "उपकरण रद्द किया गया; उसका क्रेडेंशियल तुरंत बंद।", "Device revoked; its credential stopped working at once.";
    Duplicates => "संभावित डुप्लिकेट", "Possible duplicates";
    SamePhone => "एक ही मोबाइल नंबर", "Same mobile number";
    SimilarName => "एक गाँव में मिलते-जुलते नाम", "Similar names in one village";
    NoDuplicates => "कोई संभावित डुप्लिकेट नहीं।", "No possible duplicates.";
    KeepThis => "इसे रखें", "Keep this one";
    DuplicateOfThis => "इसे ऊपर वाले का डुप्लिकेट चिह्नित करें", "Mark as a duplicate of the one kept";
    MarkedNotice => "डुप्लिकेट चिह्नित किया गया।", "Marked as a duplicate.";
    Coverage => "परिवारों तक पहुँच", "Household coverage";
    Trainers => "प्रशिक्षक", "Trainers";
    AddProgramme => "ज़िले का कार्यक्रम जोड़ें या नाम बदलें", "Add a programme of the district, or rename one";
    ProgrammeCode => "कोड (अंग्रेज़ी छोटे अक्षर, अंक, _)", "Code (lowercase letters, digits, _)";
    NameHindi => "हिंदी में नाम", "Name in Hindi";
    NameEnglish => "अंग्रेज़ी में नाम", "Name in English";
    VillageOutsideBeat => "यह गाँव इस बीट का नहीं: सत्यापन से पहले सुधरवाएँ", "not a village of this beat: have it corrected before verifying";
    NoConstable => "इस बीट पर कोई आरक्षक नहीं", "no constable works this beat";
    SameMobileLeftOut => "एक ही मोबाइल (दोबारा नहीं गिने)", "Same mobile (not counted again)";
    OncePerUnit => "हर मोबाइल नंबर हर इकाई में एक ही बार गिना जाता है: उसी नंबर की बाकी प्रविष्टियाँ \"एक ही मोबाइल\" में दिखती हैं। दो बीट में दर्ज एक व्यक्ति हर बीट में एक बार और थाने में एक बार गिना जाता है।", "Each mobile number counts once in each unit: other entries with the same number are shown under \"Same mobile\". A person entered in two beats counts once in each beat and once at the station.";
    ResolveDuplicates => "इन्हें संभावित डुप्लिकेट पेज पर निपटाएँ", "Resolve them on the possible duplicates page";
    NoTrainers => "आपकी इकाइयों में किसी स्वयंसेवक के प्रशिक्षक का नाम दर्ज नहीं है।", "No volunteer in your units names a trainer.";
    Trainer => "प्रशिक्षक", "Trainer";
    Trainees => "प्रशिक्षित", "Trainees";
    OtherStatus => "अन्य (अस्वीकृत, दोहरे, वापस, स्थानांतरित)", "Other (rejected, duplicate, withdrawn, moved)";
    VolunteerTrainer => "स्वयंसेवक", "Volunteer";
    StaffTrainer => "पुलिस कर्मी", "Staff";
    TrainerLoop => "(प्रशिक्षकों का चक्र)", "(in a loop of trainers)";
    Households => "परिवार", "Households";
    HouseholdsCovered => "शामिल परिवार", "Households covered";
    Volunteers => "स्वयंसेवक", "Volunteers";
    Audit => "लेखा-परीक्षा", "Audit";
    VolunteerHistory => "एक स्वयंसेवक का इतिहास", "A volunteer's history";
    UnitHistory => "बीट या इकाई का इतिहास", "History of a beat or unit";
    VolunteerId => "स्वयंसेवक आईडी", "Volunteer id";
    UnitCode => "इकाई कोड", "Unit code";
    ProgressAt => "किसी तारीख़ पर प्रगति", "Progress at a date";
    Date => "तारीख़ (जैसे 2026-12-07)", "Date (e.g. 2026-12-07)";
    WhatMoved => "दो तारीख़ों के बीच क्या बदला", "What moved between two dates";
    FromDate => "से", "From";
    ToDate => "तक", "To";
    AccessLog => "व्यक्तिगत जानकारी पढ़ने का लॉग", "Access log (reads of personal fields)";
    ExportLog => "निर्यात लॉग", "Export log";
    AuditExport => "हस्ताक्षरित लेखा-परीक्षा निर्यात डाउनलोड करें", "Download the signed audit export";
    Who => "किसने", "Who";
    When => "कब", "When";
    What => "क्या", "What";
    Scope => "दायरा", "Scope";
    Changes => "बदलाव", "Changes";
    Before => "पहले", "Before";
    After => "बाद में", "After";
    Exports => "निर्यात", "Exports";
    ExportKind => "सूची का प्रकार", "Kind of list";
    KindRoster => "पूरी सूची (CSV)", "Full roster (CSV)";
    KindGroup => "व्हाट्सऐप समूह", "WhatsApp group";
    KindBroadcast => "व्हाट्सऐप ब्रॉडकास्ट", "WhatsApp broadcast";
    Format => "फ़ाइल", "File";
    IncludeUnverified => "असत्यापित भी शामिल करें", "Include unverified";
    Download => "डाउनलोड करें", "Download";
    Rows => "पंक्तियाँ", "Rows";
    Administration => "प्रशासन", "Administration";
    UploadHierarchy => "इकाइयों की सूची (CSV) अपलोड करें", "Upload the hierarchy (CSV)";
    UploadUsers => "कर्मचारियों की सूची (CSV) अपलोड करें", "Upload the staff (CSV)";
    File => "फ़ाइल", "File";
    Upload => "अपलोड करें", "Upload";
    Imported => "सहेजा गया", "Saved";
    ImportRefused => "फ़ाइल अस्वीकार: कुछ भी सहेजा नहीं गया। हर गलत पंक्ति नीचे है।", "File refused: nothing was stored. Every refused line is below.";
    Line => "पंक्ति", "Line";
    Column => "कॉलम", "Column";
    More => "और समस्याएँ", "more problems";
    Search => "खोजें", "Search";
    SearchHelp => "नाम (हिंदी या अंग्रेज़ी), मोबाइल या गाँव कोड", "Name (Hindi or English), mobile or village code";
    Found => "मिले", "found";
    ByName => "नाम से (मिलती-जुलती आवाज़)", "by name (sound-alike)";
    ByPhone => "मोबाइल से", "by mobile";
    ByVillage => "गाँव से", "by village";
    DayByDay => "दिन-प्रतिदिन नामांकन और सत्यापन", "Enrolments and verifications day by day";
    NoWorkYet => "अभी कोई काम दर्ज नहीं।", "No work recorded yet.";
    Campaigns => "अभियान और लक्ष्य", "Campaigns and targets";
    SetCampaign => "अभियान जोड़ें या बदलें", "Add or change a campaign";
    SetTarget => "लक्ष्य तय करें", "Set a target";
    CampaignCode => "अभियान कोड", "Campaign code";
    StartsOn => "पहला दिन (YYYY-MM-DD)", "First day (YYYY-MM-DD)";
    EndsOn => "आख़िरी दिन (YYYY-MM-DD)", "Last day (YYYY-MM-DD)";
    UnitOrBadge => "इकाई कोड, या कर्मचारी का बैज", "Unit code, or an employee's badge";
    Save => "सहेजें", "Save";
    Saved => "सहेजा गया।", "Saved.";
    Notices => "सहमति सूचनाएँ और नीति", "Consent notices and policy";
    PublishNotice => "नई सूचना प्रकाशित करें", "Publish a notice";
    Version => "संस्करण", "Version";
    Text => "पाठ", "Text";
    AdultsOnly => "केवल 18+ (नाबालिगों का नामांकन नहीं)", "Adults only (no minors enrolled)";
    SetPolicy => "नीति सहेजें", "Save the policy";
    ActionDoneNotice => "दर्ज हो गया; कांस्टेबल के फ़ोन पर अगले सिंक में पहुँचेगा।", "Recorded; it reaches the constable's phone at its next sync.";
    Cameras => "सीसीटीवी कैमरे", "CCTV cameras";
    OnRegister => "रजिस्टर में", "On the register";
    RemovedCameras => "हटाए गए", "Removed";
    VillagesCovered => "कैमरे वाले गाँव", "Villages with a camera";
    VillagesListed => "गाँव", "Villages";
    NoCameras => "इन इकाइयों में कोई कैमरा दर्ज नहीं है।", "No camera is registered in these units.";
    Camera => "कैमरा", "Camera";
    Place => "स्थान (अक्षांश, देशांतर)", "Place (latitude, longitude)";
    Direction => "दिशा", "Direction";
    Covers => "क्या दिखता है", "What it covers";
    RecordingDays => "रिकॉर्डिंग (दिन)", "Recording (days)";
    RegisteredOn => "दर्ज होने की तिथि", "Registered on";
    RemovedOn => "हटाया गया", "Removed";
    CameraHistory => "एक कैमरे का इतिहास", "One camera's history";
    CameraId => "कैमरा आईडी", "Camera id";
    KindCameras => "सीसीटीवी कैमरे (मालिक सहित, CSV)", "CCTV cameras (with owners, CSV)";
    DirN => "उत्तर", "North";
    DirNe => "उत्तर-पूर्व", "North-east";
    DirE => "पूर्व", "East";
    DirSe => "दक्षिण-पूर्व", "South-east";
    DirS => "दक्षिण", "South";
    DirSw => "दक्षिण-पश्चिम", "South-west";
    DirW => "पश्चिम", "West";
    DirNw => "उत्तर-पश्चिम", "North-west";
    OwnerAsked => "मालिक के कहने पर", "at the owner's request";
    Dismantled => "हटाया गया या बंद", "taken down or not working";
    EnteredInError => "गलती से दर्ज", "entered in error";
    Groups => "समूह", "Groups";
    NoGroups => "आपकी इकाइयों में कोई समूह नहीं बना है।", "No group is defined in your units.";
    Members => "सदस्य", "Members";
    Staff => "पुलिस कर्मी", "Police staff";
    Repeated => "दो बार चुने गए (एक बार सूची में)", "Selected twice (listed once)";
    Rules => "नियम", "Rules";
    GroupMembers => "समूह के सदस्य", "Group members";
    MemberKind => "कौन", "Who";
    ProgrammesOrRank => "कार्यक्रम या पद", "Programmes or rank";
    GroupList => "व्हाट्सऐप समूह सूची", "WhatsApp group list";
    BroadcastList => "व्हाट्सऐप ब्रॉडकास्ट सूची", "WhatsApp broadcast list";
    DefineGroup => "नियमों से समूह बनाएँ या बदलें", "Define a group by rules, or change one";
    GroupCode => "समूह कोड (अंग्रेज़ी छोटे अक्षर, अंक, - या _)", "Group code (lowercase letters, digits, - or _)";
    ByProgramme => "कार्यक्रम अनुसार", "By programme";
    ProgrammesHelp => "हर कार्यक्रम के सक्रिय स्वयंसेवक (लंबित या सत्यापित), हर इकाई में।", "Active volunteers (pending or verified) of each programme, in each unit.";
    DownTo => "कहाँ तक", "Down to";
    WholeReach => "आपकी पूरी इकाई", "Your whole unit";
    UpOneLevel => "एक स्तर ऊपर", "One level up";
    OpenUnit => "इस इकाई को खोलें", "Open this unit";
    VillagesReached => "गाँव जहाँ स्वयंसेवक हैं", "Villages with volunteers";
    Villages => "गाँव", "Villages";
    EmployeesBelowStations => "कर्मचारी तब दिखते हैं जब सूची थानों तक जाती है।", "Employees are listed when the rows go down to stations.";
    VillagesBelowBeats => "गाँव तब दिखते हैं जब सूची बीट तक जाती है।", "Villages are listed when the rows go down to beats.";
    CampaignUnit => "अभियान किस इकाई का (ज़िला, रेंज, ज़ोन या राज्य; खाली हो तो आपकी इकाई)", "Whose campaign (a district, range, zone or state; yours if empty)";
    KindState => "राज्य", "State";
    KindZone => "ज़ोन", "Zone";
    KindRange => "रेंज", "Range";
    KindDistrict => "ज़िला", "District";
    KindCircle => "वृत्त", "Circle";
    KindStation => "थाना", "Police station";
    KindOutpost => "चौकी", "Outpost";
    KindBeat => "बीट", "Beat";
    KindVillage => "ग्राम", "Village (LGD)";
    RoleConstable => "आरक्षक", "Constable";
    RoleStationIncharge => "थाना प्रभारी", "Station in-charge";
    RoleCircleOfficer => "अनुविभागीय अधिकारी (CO)", "Circle officer";
    RoleDistrictAdmin => "ज़िला प्रशासक (SP कार्यालय)", "District administrator (SP's office)";
    RoleAuditor => "लेखा परीक्षक", "Auditor";
    RoleRangeIg => "रेंज पुलिस महानिरीक्षक (IG)", "Range inspector general (IG)";
    RoleStateMonitor => "पुलिस मुख्यालय निगरानी प्रकोष्ठ (केवल देखना)", "PHQ monitoring cell (read-only)";
    RoleStateAdmin => "राज्य प्रशासक", "State administrator";
    RulesHelp => "हर पंक्ति में एक नियम: volunteers programmes=gram_rakshak gender=female age=18-35, या staff ranks=sp,ig reach=above (reach: below, here, above)। कोई भी नियम जिसे चुने वह सदस्य है, हर मोबाइल एक बार।", "One rule per line: volunteers programmes=gram_rakshak gender=female age=18-35, or staff ranks=sp,ig reach=above (reach: below, here, above). Whoever any rule selects is a member, each mobile once.";
}

/// The name of a kind of unit, as stored (`district`), in the page's language; the stored
/// word itself for a kind this build does not know.
pub fn kind_name(lang: Lang, kind: &str) -> &str {
    let key = match kind {
        "state" => Key::KindState,
        "zone" => Key::KindZone,
        "range" => Key::KindRange,
        "district" => Key::KindDistrict,
        "circle" => Key::KindCircle,
        "station" => Key::KindStation,
        "outpost" => Key::KindOutpost,
        "beat" => Key::KindBeat,
        "village" => Key::KindVillage,
        other => return other,
    };
    lang.t(key)
}

/// The name of a role in the page's language.
pub fn role_name(lang: Lang, role: crate::auth::Role) -> &'static str {
    use crate::auth::Role;
    lang.t(match role {
        Role::Constable => Key::RoleConstable,
        Role::StationIncharge => Key::RoleStationIncharge,
        Role::CircleOfficer => Key::RoleCircleOfficer,
        Role::DistrictAdmin => Key::RoleDistrictAdmin,
        Role::Auditor => Key::RoleAuditor,
        Role::RangeIg => Key::RoleRangeIg,
        Role::StateMonitor => Key::RoleStateMonitor,
        Role::StateAdmin => Key::RoleStateAdmin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_words_in_both_languages() {
        for key in Key::ALL {
            assert!(!Lang::Hi.t(*key).is_empty(), "{key:?}");
            assert!(!Lang::En.t(*key).is_empty(), "{key:?}");
            assert_ne!(
                Lang::Hi.t(*key),
                Lang::En.t(*key),
                "{key:?} is not translated"
            );
        }
    }

    #[test]
    fn every_kind_of_unit_has_a_name_in_both_languages() {
        for kind in mitan_core::model::UnitKind::ALL {
            assert_ne!(kind_name(Lang::Hi, kind.as_str()), kind.as_str(), "{kind}");
            assert_ne!(kind_name(Lang::En, kind.as_str()), kind.as_str(), "{kind}");
        }
    }
}
