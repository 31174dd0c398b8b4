// The BrainSTEM sandbox's writes and who may make them.
import { describe, expect, it } from "vitest";
import { bs, call, getAs, send, FORBIDDEN, useBrainstemSandbox } from "./brainstem-support.js";

type Json = any;

useBrainstemSandbox();

describe("writes and permissions", () => {
  const sessionUrl = "/api/private/stem/session/";

  it("creates a record (201, singular envelope) that then shows up in lists and in its project", async () => {
    const created = await send("alice", "POST", sessionUrl, {
      name: "Example Session",
      projects: [bs.ids["project/visual"]],
      description: "Created via API tool",
    });
    expect(created.status).toBe(201);
    expect(created.body.session).toMatchObject({
      name: "Example Session",
      projects: [bs.ids["project/visual"]],
    });
    const id = created.body.session.id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const project = await getAs("alice", `/api/private/stem/project/${bs.ids["project/visual"]}/`);
    expect(project.body.project.sessions).toContain(id);
    expect(await call(`/api/public/stem/session/${id}/`)).toMatchObject({ status: 200 }); // the project is public
    const again = await send("alice", "POST", sessionUrl, {
      name: "Example Session",
      projects: [bs.ids["project/visual"]],
    });
    expect(again).toMatchObject({ status: 400, body: { name: ["session with this name already exists."] } });
  });

  it("answers bad bodies with DRF field errors", async () => {
    const missing = await send("alice", "POST", sessionUrl, { projects: "not-a-list" });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      name: ["This field is required."],
      projects: ['Expected a list of items but got type "str".'],
    });
    const ghost = "00000000-0000-4000-8000-000000000000";
    const unknown = await send("alice", "POST", sessionUrl, { name: "Ghost", projects: [ghost] });
    expect(unknown).toMatchObject({
      status: 400,
      body: { projects: [`Invalid pk "${ghost}" - object does not exist.`] },
    });
    const empty = await send("alice", "POST", sessionUrl, { name: "Empty", projects: [] });
    expect(empty.body).toEqual({ projects: ["This list may not be empty."] });
    const types = await send("alice", "POST", "/api/private/stem/subject/", {
      name: "",
      projects: [bs.ids["project/visual"]],
      strain: bs.ids["strain/c57"],
      sex: "X",
      birth_date: "yesterday",
    });
    expect(types.body).toEqual({
      name: ["This field may not be blank."],
      sex: ['"X" is not a valid choice.'],
      birth_date: ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
    });
    const notNull = await send("alice", "PATCH", `${sessionUrl}${bs.ids["session/v1-3"]}/`, { name: null });
    expect(notNull.body).toEqual({ name: ["This field may not be null."] });
    expect(bs.violations).toEqual([]);
  });

  it("lets project changers update (PATCH, PUT) and refuses viewers and non-members with 403", async () => {
    const a3 = `/api/private/stem/subject/${bs.ids["subject/a3"]}/`;
    // bob may change both of A3's projects (visual directly, replay through the Adams Lab group)
    const patched = await send("bob", "PATCH", a3, { description: "Checked by Bob" });
    expect(patched).toMatchObject({
      status: 200,
      body: { subject: { description: "Checked by Bob", name: "Mouse A3" } },
    });
    // carol only views "Hippocampal replay": she sees A3 but may not change it
    expect((await getAs("carol", a3)).status).toBe(200);
    expect(await send("carol", "PATCH", a3, { description: "x" })).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await send("carol", "PATCH", a3, { sex: "nonsense" })).toMatchObject({ status: 403 }); // permission before validation
    const full = {
      name: "Mouse A3",
      projects: [bs.ids["project/visual"], bs.ids["project/replay"]],
      strain: bs.ids["strain/c57"],
      sex: "M",
    };
    expect(await send("carol", "PUT", a3, full)).toMatchObject({ status: 403, body: FORBIDDEN });
    expect(await send("carol", "DELETE", a3)).toMatchObject({ status: 403, body: FORBIDDEN });
    // dave cannot even see it
    expect(await send("dave", "PATCH", a3, { description: "x" })).toMatchObject({ status: 404 });
    const replaced = await send("alice", "PUT", a3, { ...full, genotype: "Thy1-GCaMP6s" });
    expect(replaced.body.subject).toMatchObject({ genotype: "Thy1-GCaMP6s", description: "Checked by Bob" });
    // moving a record into a project you cannot change is refused too
    const move = await send("bob", "PATCH", a3, { projects: [bs.ids["project/allen"]] });
    expect(move.status).toBe(400); // bob cannot see "Allen": an unknown pk for him
    const sleep = await send("alice", "POST", sessionUrl, {
      name: "Alice in Bob's project",
      projects: [bs.ids["project/sleep"]],
    });
    expect(sleep.status).toBe(400);
    const viewerCreate = await send("carol", "POST", sessionUrl, {
      name: "Carol's try",
      projects: [bs.ids["project/replay"]],
    });
    expect(viewerCreate).toMatchObject({ status: 403, body: FORBIDDEN });
  });

  it("answers a malformed or unknown id with 404", async () => {
    expect(await getAs("alice", `${sessionUrl}not-a-uuid/`)).toMatchObject({
      status: 404,
      body: { detail: "Not found." },
    });
    expect((await send("alice", "PATCH", `${sessionUrl}not-a-uuid/`, { name: 1 })).status).toBe(404);
    expect((await getAs("alice", `${sessionUrl}00000000-0000-4000-8000-000000000000/`)).status).toBe(404);
    expect((await getAs("alice", "/api/private/users/user/abc/")).status).toBe(404);
  });

  it("deletes (204), clearing relations, and only managers delete a project", async () => {
    const created = await send("alice", "POST", "/api/private/stem/project/", {
      name: "Short-lived",
      is_public: false,
    });
    expect(created.status).toBe(201);
    const project = created.body.project;
    expect(project.users).toEqual({
      [bs.users.alice.email]: { can_change: true, is_manager: true, is_owner: true },
    });
    const col = await send("alice", "POST", "/api/private/stem/collection/", {
      name: "Doomed",
      project: project.id,
    });
    expect(col.status).toBe(201);
    const added = await send("alice", "PATCH", `/api/private/stem/project/${project.id}/`, {
      groups: { "Adams Lab": { can_change: true } },
      users: { [bs.users.bob.email]: { can_change: true } },
    });
    expect(added.status).toBe(200);
    const invitations = `/api/private/stem/projectgroupmembershipinvitation/?filter{project}=${project.id}`;
    const groupInvitation = (await getAs("alice", invitations)).body.project_group_membership_invitations;
    expect(groupInvitation).toMatchObject([{ invitee: 1, can_change: true }]);
    // bob accepts his invitation: a changer, not a manager
    expect((await getAs("bob", `/api/private/stem/project/${project.id}/`)).status).toBe(404);
    const bobs = await getAs(
      "bob",
      `/api/private/stem/projectmembershipinvitation/?filter{project.id}=${project.id}`,
    );
    const invitation = bobs.body.project_membership_invitations[0];
    expect(
      (await getAs("bob", `/api/private/stem/projectmembershipinvitation/${invitation.id}/accept/`)).status,
    ).toBe(200);
    expect(
      await send("bob", "PATCH", `/api/private/stem/project/${project.id}/`, { description: "ok" }),
    ).toMatchObject({ status: 200 });
    expect(await send("bob", "DELETE", `/api/private/stem/project/${project.id}/`)).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    const gone = await send("alice", "DELETE", `/api/private/stem/project/${project.id}/`);
    expect(gone.status).toBe(204);
    expect(gone.body).toBeUndefined();
    expect((await getAs("alice", `/api/private/stem/project/${project.id}/`)).status).toBe(404);
    expect(bs.record("stem/collection", col.body.collection.id)).toBeUndefined(); // a collection needs its project
    expect(bs.record("stem/projectgroupmembershipinvitation", groupInvitation[0].id)).toBeUndefined();
  });

  it("invites new project members; the invitee accepts and then sees the project", async () => {
    const project = bs.ids["project/sleep"];
    expect((await getAs("dave", `/api/private/stem/project/${project}/`)).status).toBe(404);
    const invite = await send("bob", "PATCH", `/api/private/stem/project/${project}/`, {
      users: { [bs.users.dave.email]: { can_change: true } },
    });
    expect(invite.body.project.users).not.toHaveProperty(bs.users.dave.email); // invited, not added
    const mine = await getAs("dave", "/api/private/stem/projectmembershipinvitation/");
    const invitation = mine.body.project_membership_invitations.find((i: Json) => i.project === project);
    expect(invitation).toMatchObject({ invitee: bs.users.dave.id, can_change: true });
    expect(
      (await getAs("bob", `/api/private/stem/projectmembershipinvitation/${invitation.id}/accept/`)).status,
    ).toBe(403);
    const accepted = await getAs(
      "dave",
      `/api/private/stem/projectmembershipinvitation/${invitation.id}/accept/`,
    );
    expect(accepted.status).toBe(200);
    expect((await getAs("dave", `/api/private/stem/project/${project}/`)).status).toBe(200);
    const badEmail = await send("bob", "PATCH", `/api/private/stem/project/${project}/`, {
      users: { "nobody@example.org": { can_change: true } },
    });
    expect(badEmail).toMatchObject({
      status: 400,
      body: { users: { "nobody@example.org": ['No user with email "nobody@example.org".'] } },
    });
    // only managers change membership
    const replay = await send("bob", "PATCH", `/api/private/stem/project/${bs.ids["project/replay"]}/`, {
      users: { [bs.users.dave.email]: { can_change: true } },
    });
    expect(replay).toMatchObject({ status: 403, body: FORBIDDEN });
  });

  it("lets users ask to join a group, a group manager accept, and members leave", async () => {
    const join = await getAs("carol", "/api/private/users/group/1/join/");
    expect(join.status).toBe(200);
    const requestId = join.body.group_membership_request.id;
    expect(join.body.group_membership_request).toMatchObject({
      user_account_request: bs.users.carol.id,
      authgroup: 1,
    });
    const twice = await getAs("carol", "/api/private/users/group/1/join/");
    expect(twice).toMatchObject({
      status: 400,
      body: { detail: "You have already asked to join this group." },
    });
    const accept = `/api/private/users/groupmembershiprequest/${requestId}/accept/`;
    expect((await getAs("bob", accept)).status).toBe(404); // a plain member neither sees nor answers it
    expect((await getAs("alice", accept)).status).toBe(200);
    const group = await getAs("carol", "/api/private/users/group/1/");
    expect(group.body.group.users[bs.users.carol.email]).toEqual({ is_manager: false, is_owner: false });
    expect(
      await send("carol", "PATCH", "/api/private/users/group/1/", { name: "Carol's lab" }),
    ).toMatchObject({ status: 403 });
    expect((await getAs("carol", "/api/private/users/group/1/leave/")).status).toBe(200);
    expect((await getAs("carol", "/api/private/users/group/1/leave/")).status).toBe(400);
  });

  it("turns changes to shared taxonomies into approvals that staff review", async () => {
    const proposed = await send("bob", "POST", "/api/private/taxonomies/species/", {
      name: "Macaca mulatta",
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body.species_approval).toMatchObject({
      name: "Macaca mulatta",
      action: "Add",
      status: "Pending",
      instance_id: null,
    });
    const approvalId = proposed.body.species_approval.id;
    const before = await call("/api/public/taxonomies/species/?filter{name}=Macaca mulatta");
    expect(before.body.count).toBe(0);
    expect(
      (await send("bob", "PATCH", `/api/private/taxonomies/speciesapproval/${approvalId}/accept/`)).status,
    ).toBe(403);
    expect(
      (await send("bob", "DELETE", `/api/private/taxonomies/species/${bs.ids["species/mouse"]}/`)).status,
    ).toBe(403);
    const accepted = await send(
      "admin",
      "PATCH",
      `/api/private/taxonomies/speciesapproval/${approvalId}/accept/`,
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.species_approval).toMatchObject({ status: "Accepted", reviewer: bs.users.admin.id });
    const after = await call("/api/public/taxonomies/species/?filter{name}=Macaca mulatta");
    expect(after.body.species[0].id).toBe(accepted.body.species_approval.instance_id);
  });

  it("adds, changes and removes log entries", async () => {
    const url = `/api/private/modules/subjectlog/${bs.ids["subjectlog/a1-weight"]}`;
    const added = await send("alice", "PATCH", `${url}/add_entry/`, {
      date_time: "2024-01-30T08:00:00Z",
      details: { weight: 24.9 },
    });
    expect(added.body.subject_log.entries).toHaveLength(3);
    const changed = await send("alice", "PATCH", `${url}/change_entry/`, {
      date_time: "2024-01-30T08:00:00Z",
      notes: "after training",
    });
    expect(changed.body.subject_log.entries[2]).toMatchObject({
      notes: "after training",
      details: { weight: 24.9 },
    });
    const removed = await send("alice", "PATCH", `${url}/remove_entry/`, {
      date_time: "2024-01-28T08:00:00Z",
    });
    expect(removed.body.subject_log.entries.map((e: Json) => e.date_time)).toEqual([
      "2024-01-29T08:00:00Z",
      "2024-01-30T08:00:00Z",
    ]);
    const missing = await send("alice", "PATCH", `${url}/remove_entry/`, {
      date_time: "2020-01-01T00:00:00Z",
    });
    expect(missing.status).toBe(400);
    expect(
      await send("carol", "PATCH", `${url}/add_entry/`, { date_time: "2024-02-01T08:00:00Z" }),
    ).toMatchObject({ status: 404 });
    expect(bs.violations).toEqual([]);
  });
});
