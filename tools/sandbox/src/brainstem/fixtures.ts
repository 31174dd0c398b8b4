/**
 * The BrainSTEM sandbox's fixtures: deterministic (fixed UUIDs from keys, a seeded PRNG for the
 * generated public projects), small, and related the way the real portal's records are.
 *
 * People: alice (owner of "Visual cortex dynamics" and "Hippocampal replay"), bob (may change
 * both, the second through the "Adams Lab" group), carol (views "Hippocampal replay", owns the
 * public "Allen" project and the generated public projects), dave (member of nothing), and admin
 * (staff: reviews approvals, may do anything).
 */
import type { Account, Store } from "./store.js";
import { uuidFor } from "./store.js";
import { prng } from "../prng.js";

export type Handle = "alice" | "bob" | "carol" | "dave" | "admin";

export const PEOPLE: Record<Handle, { id: number; first: string; last: string; isStaff: boolean }> = {
  alice: { id: 1, first: "Alice", last: "Adams", isStaff: false },
  bob: { id: 2, first: "Bob", last: "Brown", isStaff: false },
  carol: { id: 3, first: "Carol", last: "Chen", isStaff: false },
  dave: { id: 4, first: "Dave", last: "Diaz", isStaff: false },
  admin: { id: 5, first: "Ada", last: "Admin", isStaff: true },
};

export const emailOf = (handle: string) => `${handle}@sandbox.brainstem.test`;

/** Every fixture key, with its UUID: `ids["project/visual"]`. */
export type FixtureIds = Record<string, string>;

const TOPICS = [
  "Barrel cortex whisking",
  "Olfactory bulb imaging",
  "Grid cells in entorhinal cortex",
  "Zebrafish hindbrain calcium imaging",
  "Songbird HVC recordings",
  "Prefrontal working memory",
  "Cerebellar Purkinje cell spikes",
  "Auditory cortex tonotopy",
  "Striatal dopamine release",
  "Thalamocortical spindles",
  "Retinal ganglion cell types",
  "Amygdala fear conditioning",
  "Spinal cord locomotor circuits",
  "Head direction cells",
];
const SPECIES_WORDS = ["mouse", "rat", "zebrafish", "macaque", "songbird", "ferret"];
const METHODS = [
  "neuropixels",
  "two-photon imaging",
  "tetrode recordings",
  "fiber photometry",
  "widefield imaging",
];

export function loadFixtures(store: Store, options: { publicProjects: number }): FixtureIds {
  const ids: FixtureIds = {};
  const uuid = (key: string) => (ids[key] = uuidFor(key));
  const add = (
    key: string,
    model: string,
    data: Record<string, unknown>,
    meta: { owner?: number; group?: number } = {},
  ) => store.insert(model, data, meta, uuid(key));

  // ---------------------------------------------------------------- users, groups, laboratories
  for (const [handle, p] of Object.entries(PEOPLE)) {
    const account: Account = {
      id: p.id,
      handle,
      email: emailOf(handle),
      isStaff: p.isStaff,
    };
    store.accounts.set(p.id, account);
    store.insert(
      "users/user",
      {
        email: account.email,
        first_name: p.first,
        last_name: p.last,
        website: null,
        google_scholar: null,
        orcid_id: handle === "alice" ? "0000-0002-1825-0097" : null,
        atlas_preference: "AIA",
      },
      {},
      p.id,
    );
  }
  const ADAMS = 1;
  const IMAGING = 2;
  store.insert(
    "users/group",
    {
      name: "Adams Lab",
      users: { 1: { is_manager: true, is_owner: true }, 2: { is_manager: false, is_owner: false } },
    },
    {},
    ADAMS,
  );
  store.insert(
    "users/group",
    { name: "Imaging Core", users: { 3: { is_manager: true, is_owner: true } } },
    {},
    IMAGING,
  );
  add("laboratory/adams", "users/laboratory", {
    group: ADAMS,
    principal_investigators: [1],
    description: "Systems neuroscience of memory and vision.",
    website: "https://adams-lab.sandbox.brainstem.test",
    department: "Department of Neuroscience",
    institution: "Sandbox University",
    city: "Oslo",
    country: "Norway",
  });
  add("laboratory/imaging", "users/laboratory", {
    group: IMAGING,
    principal_investigators: [3],
    description: "Shared two-photon and widefield imaging facility.",
    website: null,
    department: null,
    institution: "Sandbox Institute of Imaging",
    city: "Copenhagen",
    country: "Denmark",
  });

  // ---------------------------------------------------------------- taxonomies
  add("species/mouse", "taxonomies/species", {
    name: "Mus musculus",
    description: "House mouse.",
    rrid: "NCBITaxon_10090",
    external_identifiers: { ncbi_taxon: 10090 },
    comments: null,
  });
  add("species/rat", "taxonomies/species", {
    name: "Rattus norvegicus",
    description: "Brown rat.",
    rrid: "NCBITaxon_10116",
    external_identifiers: { ncbi_taxon: 10116 },
    comments: null,
  });
  add("strain/c57", "taxonomies/strain", {
    name: "C57BL/6J",
    description: "The most widely used inbred mouse strain.",
    species: ids["species/mouse"],
    rrid: "IMSR_JAX:000664",
    external_identifiers: null,
    comments: null,
  });
  add("strain/long-evans", "taxonomies/strain", {
    name: "Long-Evans",
    description: "Outbred hooded rat.",
    species: ids["species/rat"],
    rrid: "RGD_2308852",
    external_identifiers: null,
    comments: null,
  });
  add("brainregion/ca1", "taxonomies/brainregion", {
    name: "Field CA1",
    description: "Hippocampal field CA1.",
    acronym: "CA1",
    atlas: "AIA",
  });
  add("brainregion/visp", "taxonomies/brainregion", {
    name: "Primary visual area",
    description: null,
    acronym: "VISp",
    atlas: "AIA",
  });
  add("setuptype/head-fixed", "taxonomies/setuptype", {
    name: "Head-fixed recording rig",
    description: "Awake head-fixed animal on a treadmill.",
    category: "H",
    comments: null,
  });
  add("setuptype/open-field", "taxonomies/setuptype", {
    name: "Open field arena",
    description: null,
    category: "F",
    comments: null,
  });
  add("behavioralcategory/navigation", "taxonomies/behavioralcategory", {
    name: "Spatial navigation",
    description: "Behaviors in which the animal moves through space.",
    parent: null,
    comments: null,
  });
  add("behavioralparadigm/linear-track", "taxonomies/behavioralparadigm", {
    name: "Linear track",
    description: "Running back and forth on a linear track for rewards at both ends.",
    category: ids["behavioralcategory/navigation"],
    species: [ids["species/mouse"], ids["species/rat"]],
    original_publication: null,
    reference_url: null,
    rrid: null,
    external_identifiers: null,
    comments: null,
  });
  add("regulatoryauthority/board", "taxonomies/regulatoryauthority", {
    name: "Sandbox Animal Welfare Board",
    abbreviation: "SAWB",
    country: "NO",
    authority_type: "national",
    website: "https://welfare.sandbox.brainstem.test",
    description: null,
    is_active: true,
  });

  // ---------------------------------------------------------------- resources, dissemination
  add("supplier/jax", "resources/supplier", {
    name: "The Jackson Laboratory",
    description: "Mouse strains.",
    website: "https://www.jax.org",
    comments: null,
  });
  add("supplier/cambridge-neurotech", "resources/supplier", {
    name: "Cambridge NeuroTech",
    description: "Silicon probes.",
    website: "https://www.cambridgeneurotech.com",
    comments: null,
  });
  add("supplier/intan", "resources/supplier", {
    name: "Intan Technologies",
    description: null,
    website: "https://intantech.com",
    comments: null,
  });
  add("consumable/h3-probe", "resources/consumable", {
    name: "ASSY-77 H3",
    description: "64-channel silicon probe.",
    supplier: ids["supplier/cambridge-neurotech"],
    type: "Silicon probe",
    details: { channels: 64, shanks: 1 },
    rrid: null,
    external_identifiers: null,
    comments: null,
  });
  add("hardwaredevice/rhd", "resources/hardwaredevice", {
    name: "RHD USB interface board",
    description: "Acquisition board for RHD headstages.",
    supplier: ids["supplier/intan"],
    rrid: null,
    external_identifiers: null,
    comments: null,
  });
  add("journal/jsn", "dissemination/journal", {
    name: "Journal of Sandbox Neuroscience",
    description: null,
    website: "https://jsn.sandbox.brainstem.test",
    comments: null,
  });
  add(
    "publication/replay",
    "dissemination/publication",
    {
      title: "Replay of running sequences in the sandbox hippocampus",
      authors: "Adams A, Brown B",
      journal: ids["journal/jsn"],
      abstract: "Place cell sequences recorded during running replay during rest.",
      doi: "10.5555/sandbox.0001",
      publication_url: null,
      pdf_url: null,
      publication_date: "2024-06-01",
    },
    { owner: 1 },
  );

  // ---------------------------------------------------------------- personal attributes (Adams Lab)
  const lab = { owner: 1, group: ADAMS };
  add(
    "setup/rig1",
    "personal_attributes/setup",
    {
      name: "Rig 1",
      location: "Room 101",
      description: "Head-fixed rig with a treadmill and a monitor.",
      setup_type: ids["setuptype/head-fixed"],
      specifications: { monitor: "24 inch", treadmill: "belt" },
      is_public: true,
    },
    lab,
  );
  add(
    "setup/arena",
    "personal_attributes/setup",
    {
      name: "Arena B",
      location: "Room 104",
      description: null,
      setup_type: ids["setuptype/open-field"],
      specifications: null,
      is_public: false,
    },
    lab,
  );
  add(
    "setup/two-photon",
    "personal_attributes/setup",
    {
      name: "Two-photon scope",
      location: "Imaging core, room 3",
      description: "Resonant scanning two-photon microscope.",
      setup_type: ids["setuptype/head-fixed"],
      specifications: null,
      is_public: true,
    },
    { owner: 3, group: IMAGING },
  );
  add(
    "datastorage/nas",
    "personal_attributes/datastorage",
    {
      name: "Adams Lab NAS",
      location: "smb://nas.adams-lab.sandbox/data",
      description: "Raw data server.",
      is_public: false,
      data_organization: [{ name: "project" }, { name: "subject" }, { name: "session" }],
      data_protocols: [{ protocol: "SMB", path: "//nas.adams-lab.sandbox/data", is_public: false }],
    },
    lab,
  );
  add(
    "datastorage/dandi",
    "personal_attributes/datastorage",
    {
      name: "DANDI archive",
      location: "https://dandiarchive.org",
      description: "Published NWB files.",
      is_public: true,
      data_organization: null,
      data_protocols: null,
    },
    lab,
  );
  add(
    "inventory/freezer",
    "personal_attributes/inventory",
    { name: "Freezer A", location: "Room 102", description: "-80 C freezer.", is_public: false },
    lab,
  );
  add(
    "behavioralassay/linear-track",
    "personal_attributes/behavioralassay",
    {
      name: "Linear track running",
      description: "Water-restricted running for rewards.",
      setup_type: ids["setuptype/head-fixed"],
      behavioral_paradigm: ids["behavioralparadigm/linear-track"],
      licenses: [uuid("license/animal-2024")],
      is_public: true,
    },
    lab,
  );
  add(
    "protocol/perfusion",
    "personal_attributes/protocol",
    { name: "Perfusion", description: "Transcardial perfusion with PFA.", is_public: false },
    lab,
  );

  // ---------------------------------------------------------------- projects
  add("project/visual", "stem/project", {
    name: "Visual cortex dynamics",
    description: "Neuropixels recordings in mouse V1 during visual stimulation.",
    publications: [],
    extra_fields: { funding: "SANDBOX-001" },
    is_public: true,
    tags: ["vision", "neuropixels"],
    users: {
      1: { can_change: true, is_manager: true, is_owner: true },
      2: { can_change: true, is_manager: false, is_owner: false },
    },
    groups: {},
  });
  add("project/replay", "stem/project", {
    name: "Hippocampal replay",
    description: "Sharp-wave ripples and replay in rat CA1.",
    publications: [ids["publication/replay"]],
    extra_fields: {},
    is_public: false,
    tags: ["hippocampus"],
    users: {
      1: { can_change: true, is_manager: true, is_owner: true },
      3: { can_change: false, is_manager: false, is_owner: false },
    },
    groups: { [ADAMS]: { can_change: true, is_manager: false, is_owner: false } },
  });
  add("project/allen", "stem/project", {
    name: "Allen Brain Observatory reanalysis",
    description: "Reanalysis of the Allen Institute neuropixels visual coding dataset.",
    publications: [],
    extra_fields: {},
    is_public: true,
    tags: ["vision", "reanalysis"],
    users: { 3: { can_change: true, is_manager: true, is_owner: true } },
    groups: { [IMAGING]: { can_change: true, is_manager: false, is_owner: false } },
  });
  add("project/sleep", "stem/project", {
    name: "Sleep spindles pilot",
    description: "Pilot EEG recordings of sleep spindles.",
    publications: [],
    extra_fields: {},
    is_public: false,
    tags: ["sleep"],
    users: { 2: { can_change: true, is_manager: true, is_owner: true } },
    groups: {},
  });
  const random = prng(20240401);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  for (let i = 1; i <= options.publicProjects; i++) {
    const n = String(i).padStart(2, "0");
    add(`project/public-${n}`, "stem/project", {
      name: `Public dataset ${n}: ${pick(TOPICS)}`,
      description: `Open ${pick(SPECIES_WORDS)} data recorded with ${pick(METHODS)}.`,
      publications: [],
      extra_fields: { year: 2015 + Math.floor(random() * 10) },
      is_public: true,
      tags: ["open-data"],
      users: { 3: { can_change: true, is_manager: true, is_owner: true } },
      groups: {},
    });
  }

  // ---------------------------------------------------------------- subjects, sessions and friends
  const subject = (key: string, data: Record<string, unknown>) =>
    add(key, "stem/subject", {
      description: null,
      licenses: [],
      supplier: null,
      breeding: null,
      genetic_line: null,
      genotype: "wild type",
      subject_identifier: null,
      death_date: null,
      status: "Alive",
      extra_fields: {},
      name_used_in_storage: null,
      tags: [],
      ...data,
    });
  subject("subject/a1", {
    name: "Mouse A1",
    projects: [ids["project/visual"]],
    strain: ids["strain/c57"],
    sex: "M",
    supplier: ids["supplier/jax"],
    birth_date: "2024-01-10",
    licenses: [ids["license/animal-2024"]],
    subject_identifier: "A1-001",
    tags: ["cohort-a"],
  });
  subject("subject/a2", {
    name: "Mouse A2",
    projects: [ids["project/visual"]],
    strain: ids["strain/c57"],
    sex: "F",
    supplier: ids["supplier/jax"],
    birth_date: "2024-01-12",
    tags: ["cohort-a"],
  });
  subject("subject/a3", {
    name: "Mouse A3",
    description: "Shared between the vision and replay projects.",
    projects: [ids["project/visual"], ids["project/replay"]],
    strain: ids["strain/c57"],
    sex: "M",
    birth_date: "2024-02-02",
  });
  subject("subject/r1", {
    name: "Rat R1",
    projects: [ids["project/replay"]],
    strain: ids["strain/long-evans"],
    sex: "M",
    birth_date: "2023-11-20",
  });
  subject("subject/n1", {
    name: "Mouse N1",
    projects: [ids["project/allen"]],
    strain: ids["strain/c57"],
    sex: "F",
    birth_date: "2023-05-05",
  });
  subject("subject/z1", {
    name: "Mouse Z1",
    projects: [ids["project/sleep"]],
    strain: ids["strain/c57"],
    sex: "U",
    birth_date: null,
    status: null,
  });

  const session = (key: string, data: Record<string, unknown>) =>
    add(key, "stem/session", {
      description: null,
      datastorage: [],
      extra_fields: {},
      download_links: [],
      tags: [],
      ...data,
    });
  const stimuli = [
    "drifting gratings",
    "natural movies",
    "sparse noise",
    "static gratings",
    "natural scenes",
    "flashes",
  ];
  for (let i = 1; i <= 6; i++) {
    session(`session/v1-${i}`, {
      name: `V1 session ${String(i).padStart(2, "0")}`,
      description: `Mouse V1 responses to ${stimuli[i - 1]}.`,
      projects: [ids["project/visual"]],
      date_time: `2024-02-0${i}T10:00:00Z`,
      datastorage: [ids["datastorage/nas"], ids["datastorage/dandi"]],
      download_links:
        i <= 2 ? [{ repository: "DANDI", url: `https://dandiarchive.org/dandiset/00000${i}` }] : [],
      extra_fields: { stimulus: stimuli[i - 1]!, trials: 100 * i },
      tags: i % 2 ? ["v1", "odd"] : ["v1", "even"],
    });
  }
  session("session/replay-1", {
    name: "Replay day 1",
    description: "Linear track and rest, tetrodes in CA1.",
    projects: [ids["project/replay"]],
    date_time: "2024-03-01T09:30:00Z",
    datastorage: [ids["datastorage/nas"]],
  });
  session("session/replay-2", {
    name: "Replay day 2",
    description: "Linear track and rest, tetrodes in CA1.",
    projects: [ids["project/replay"]],
    date_time: "2024-03-02T09:30:00Z",
    datastorage: [ids["datastorage/nas"]],
  });
  session("session/allen-1", {
    name: "Neuropixels probe A",
    description: "Visual coding, probe A.",
    projects: [ids["project/allen"]],
    date_time: "2019-10-03T12:00:00Z",
    download_links: [{ repository: "Figshare", url: "https://figshare.com/articles/sandbox/1" }],
  });
  session("session/allen-2", {
    name: "Two-photon session 1",
    description: "Visual coding, two-photon.",
    projects: [ids["project/allen"]],
    date_time: "2019-10-04T12:00:00Z",
  });
  session("session/sleep-1", {
    name: "Spindle night 1",
    projects: [ids["project/sleep"]],
    date_time: null,
  });

  add("collection/best-v1", "stem/collection", {
    name: "Best V1 sessions",
    description: "Sessions with the most units.",
    project: ids["project/visual"],
    sessions: [ids["session/v1-1"], ids["session/v1-2"]],
    tags: [],
  });
  add("cohort/a", "stem/cohort", {
    name: "Cohort A",
    description: null,
    project: ids["project/visual"],
    subjects: [ids["subject/a1"], ids["subject/a2"]],
    tags: [],
  });
  add("breeding/pair-1", "stem/breeding", {
    name: "Breeding pair 1",
    project: ids["project/visual"],
    mother: ids["subject/a2"],
    father: ids["subject/a1"],
    description: null,
    tags: [],
    birth_date: null,
    start_date: "2024-04-01",
    end_date: null,
    weaning_date: null,
    litter_size: 6,
    expected_genotype: "wild type",
  });
  add("sessiondatastorage/v1-1-nas", "stem/sessiondatastorage", {
    session: ids["session/v1-1"],
    datastorage: ids["datastorage/nas"],
    order: 0,
  });

  add(
    "license/animal-2024",
    "personal_attributes/license",
    {
      name: "Animal license 2024-17",
      type: "animal_research_authorization",
      status: "active",
      description: "Recordings in head-fixed mice.",
      country: "NO",
      regulatory_authority: ids["regulatoryauthority/board"],
      license_number: "2024-17",
      valid_from: "2024-01-01",
      valid_until: "2027-12-31",
      license_holders: [1],
      behavioralassays: [],
      subjects: [ids["subject/a1"]],
      procedures: [],
      is_public: false,
    },
    lab,
  );

  // ---------------------------------------------------------------- modules
  add("equipment/probe", "modules/equipment", {
    name: "Probe H3 #1",
    type: "Silicon probe",
    notes: null,
    setup: ids["setup/rig1"],
    date_time: "2024-01-25T08:00:00Z",
    consumable: ids["consumable/h3-probe"],
    hardwaredevice: null,
    details: { serial: "H3-0001" },
    type_schema_version: "1.0",
    coordinates_system: "Stereotaxic (bregma)",
    coordinates_details: { ap: -3.5, ml: 2.5, dv: 1.2 },
    coordinates_schema_version: "1.0",
  });
  add("equipment/amplifier", "modules/equipment", {
    name: "Amplifier",
    type: "Amplifier",
    notes: null,
    setup: ids["setup/rig1"],
    date_time: null,
    consumable: null,
    hardwaredevice: ids["hardwaredevice/rhd"],
    details: null,
    type_schema_version: null,
    coordinates_system: "None",
    coordinates_details: null,
    coordinates_schema_version: null,
  });
  add("consumablestock/h3", "modules/consumablestock", {
    type: "Silicon probe",
    status: "In stock",
    notes: null,
    inventory: ids["inventory/freezer"],
    acquisition_date: "2024-01-05",
    expiration_date: null,
    storage_location: "Shelf 2",
    storage_conditions: "Dry",
    intended_use: "Acute recordings",
    cost: "1200 EUR",
    consumable: ids["consumable/h3-probe"],
    details: null,
    type_schema_version: null,
  });
  const procedure = (key: string, data: Record<string, unknown>) =>
    add(key, "modules/procedure", {
      notes: null,
      consumablestock: null,
      equipment: [],
      brain_region: null,
      licenses: [],
      details: null,
      type_schema_version: "1.0",
      coordinates_details: null,
      coordinates_schema_version: null,
      created_at: "2024-01-20T12:00:00Z",
      updated_at: "2024-01-20T12:00:00Z",
      ...data,
    });
  procedure("procedure/headbar", {
    type: "Headbar implantation",
    subject: ids["subject/a1"],
    date_time: "2024-01-20T11:00:00Z",
    brain_region: ids["brainregion/visp"],
    licenses: [ids["license/animal-2024"]],
    coordinates_system: "Stereotaxic (bregma)",
  });
  procedure("procedure/probe", {
    type: "Silicon probe implantation",
    subject: ids["subject/a1"],
    date_time: "2024-01-26T11:00:00Z",
    consumablestock: ids["consumablestock/h3"],
    equipment: [ids["equipment/probe"]],
    brain_region: ids["brainregion/ca1"],
    coordinates_system: "Stereotaxic (bregma)",
    coordinates_details: { ap: -3.5, ml: 2.5, dv: 1.2 },
  });
  procedure("procedure/virus", {
    type: "Virus injection",
    subject: ids["subject/r1"],
    date_time: "2024-02-10T10:00:00Z",
    brain_region: ids["brainregion/ca1"],
    coordinates_system: "Stereotaxic (bregma)",
    details: { virus: "AAV-ChR2", volume_nl: 300 },
  });
  add("procedurelog/headbar-care", "modules/procedurelog", {
    type: "Postoperative care",
    description: "Daily checks after the headbar surgery.",
    procedure: ids["procedure/headbar"],
    entries: [
      { date_time: "2024-01-21T09:00:00Z", notes: "Alert, eating.", details: { analgesia: true } },
      { date_time: "2024-01-22T09:00:00Z", notes: "Healing well.", details: { analgesia: false } },
    ],
  });
  add("subjectlog/a1-weight", "modules/subjectlog", {
    type: "Weighing",
    description: "Body weight during water restriction.",
    subject: ids["subject/a1"],
    user: 1,
    entries: [
      { date_time: "2024-01-28T08:00:00Z", notes: null, details: { weight: 25.1 } },
      { date_time: "2024-01-29T08:00:00Z", notes: null, details: { weight: 24.6 } },
    ],
  });
  add("subjectlog/a1-housing", "modules/subjectlog", {
    type: "Housing",
    description: null,
    subject: ids["subject/a1"],
    user: 1,
    entries: [
      {
        start_date_time: "2024-01-15T00:00:00Z",
        end_date_time: "2024-03-01T00:00:00Z",
        notes: "Group housed, cage 12.",
        details: { cage: "12" },
      },
    ],
  });
  add("behavior/v1-1", "modules/behavior", {
    session: ids["session/v1-1"],
    subjects: [ids["subject/a1"]],
    setup: ids["setup/rig1"],
    behavioralassay: ids["behavioralassay/linear-track"],
    notes: "Ran 120 laps.",
    order: 1,
  });
  add("dataacquisition/v1-1", "modules/dataacquisition", {
    type: "Extracellular electrophysiology",
    notes: null,
    session: ids["session/v1-1"],
    procedures: [ids["procedure/probe"]],
    equipment: [ids["equipment/probe"], ids["equipment/amplifier"]],
    details: { sampling_rate: 30000, channels: 64 },
    type_schema_version: "1.0",
    order: 1,
  });
  add("manipulation/v1-2", "modules/manipulation", {
    type: "Optogenetic stimulation",
    notes: null,
    procedures: [ids["procedure/probe"]],
    session: ids["session/v1-2"],
    equipment: [],
    details: { wavelength_nm: 473, power_mw: 5 },
    type_schema_version: "1.0",
    order: 1,
  });

  // ---------------------------------------------------------------- invitations, requests, approvals
  add("projectmembershipinvitation/dave-visual", "stem/projectmembershipinvitation", {
    invitee: 4,
    project: ids["project/visual"],
    can_change: true,
    manage_project: false,
    own_project: false,
  });
  add("projectgroupmembershipinvitation/imaging-visual", "stem/projectgroupmembershipinvitation", {
    invitee: IMAGING,
    project: ids["project/visual"],
    can_change: false,
    manage_project: false,
    own_project: false,
  });
  add("groupmembershipinvitation/carol-adams", "users/groupmembershipinvitation", {
    user_account_invitation: 3,
    authgroup: ADAMS,
    new_manager: false,
    new_owner: false,
  });
  add("groupmembershiprequest/dave-adams", "users/groupmembershiprequest", {
    user_account_request: 4,
    authgroup: ADAMS,
  });
  add(
    "speciesapproval/zebrafish",
    "taxonomies/speciesapproval",
    {
      name: "Danio rerio",
      description: "Zebrafish.",
      rrid: "NCBITaxon_7955",
      external_identifiers: null,
      comments: "Needed for the larval imaging project.",
      instance_id: null,
      action: "Add",
      reviewer: null,
      status: "Pending",
    },
    { owner: 2 },
  );
  return ids;
}
