/** ODM sandbox routes: import jobs (JSON and multipart) and job operations. */
import type { Handler, HandlerResult, RequestContext } from "../../spec-router.js";
import { hasContents, makeFile, type Attrs, type ObjectKind } from "../catalog.js";
import type { Job, JobEffect } from "../jobs.js";
import { error, type DataKind, type OdmContext } from "../context.js";

/** Handlers by operationId. */
export function jobsRoutes(c: OdmContext): Record<string, Handler> {
  const { addGroup, addObject, catalog, files, nextFileSeed, find, groups, ids, importedLinks, jobs } = c;
  // ------------------------------------------------------------------ jobs
  const basename = (link: string) => {
    const last = link.split(/[/\\]/).pop() ?? link;
    return decodeURIComponent(last.split("?")[0] ?? last) || "import";
  };
  const checkLink = (link: unknown, source: unknown, field: string): string | undefined => {
    if (typeof link !== "string" || link.trim() === "") return `${field} is required`;
    if (source === "LOCAL") return undefined;
    if (!/^(https?|s3):\/\/\S+$/i.test(link)) return `${field} must be an http(s) or s3 URL (got ${link})`;
    return undefined;
  };
  const now = () => Date.now();
  const userOf = (ctx: RequestContext) => (ctx.principal as { user: string }).user;

  const startJob =
    (jobName: string, linkFields: string[], effect: (ctx: RequestContext) => JobEffect) =>
    (ctx: RequestContext): HandlerResult => {
      const body = ctx.body as Record<string, unknown>;
      for (const field of linkFields) {
        if (field.endsWith("?") && body[field.slice(0, -1)] === undefined) continue;
        const name = field.replace(/\?$/, "");
        const problem = checkLink(body[name], body.source, name);
        if (problem) return error(400, problem);
      }
      const key = `${jobName}:${linkFields.map((f) => String(body[f.replace(/\?$/, "")] ?? "")).join("|")}`;
      if (importedLinks.has(key) && !ctx.query.allow_dups)
        return error(
          400,
          `This data was already imported from the same links; pass allow_dups=true to import it again`,
        );
      const run = effect(ctx);
      const job = jobs.start(jobName, userOf(ctx), () => {
        const outcome = run();
        if ("result" in outcome) importedLinks.add(key);
        return outcome;
      });
      return { status: 200, body: jobs.info(job) };
    };

  const DAY = 86_400_000;
  const importObjects =
    (kind: ObjectKind, groupKind: "sample" | "library" | "preparation" | undefined) =>
    (ctx: RequestContext): JobEffect =>
    () => {
      const body = ctx.body as Record<string, unknown>;
      const name = basename(String(body.metadataLink)).replace(/\.[^.]+$/, "");
      const when = now();
      if (kind === "study") {
        const acc = ids.take("study");
        const attrs: Attrs = {
          "genestack:accession": acc,
          "Study Title": `Imported study ${name}`,
          "Study Source": "Import",
          "Study Type": "Unknown",
          "Study Description": `Imported from ${String(body.metadataLink)}.`,
        };
        addObject({
          accession: acc,
          kind,
          attrs,
          versions: [{ version: "1", author: userOf(ctx), message: "Imported", timestamp: when, attrs }],
          created: when,
          updated: when,
          name: String(attrs["Study Title"]),
        });
        return { result: { groupAccession: acc, accession: acc } };
      }
      const group = ids.take(`${groupKind}-group`);
      addGroup({
        accession: group,
        kind: groupKind!,
        attrs: { "genestack:accession": group, "Group Type": `${kind} import`, "Source File": name },
      });
      const idKey = {
        sample: "Sample Source ID",
        library: "Library ID",
        preparation: "Preparation ID",
        study: "",
      }[kind];
      for (let i = 1; i <= 3; i++) {
        const acc = ids.take(kind);
        const attrs: Attrs = {
          "genestack:accession": acc,
          [idKey]: `${name}-${i}`,
          ...(kind === "sample" ? { "Species or strain": "Homo sapiens" } : {}),
          groupId: group,
        };
        addObject({
          accession: acc,
          kind,
          attrs,
          versions: [{ version: "1", author: userOf(ctx), message: "Imported", timestamp: when, attrs }],
          created: when + i,
          updated: when + i,
          name: `${name}-${i}`,
          group,
        });
      }
      return { result: { groupAccession: group } };
    };
  const importData =
    (kind: DataKind | "cells") =>
    (ctx: RequestContext): JobEffect =>
    () => {
      const body = ctx.body as Record<string, unknown>;
      if (body.previousVersion !== undefined) {
        const previous = groups.get(String(body.previousVersion));
        if (!previous || previous.kind !== kind)
          return {
            error: {
              stage: "VALIDATION",
              stack: [
                {
                  type: "NotFoundException",
                  message: `Group '${String(body.previousVersion)}' could not be found`,
                },
              ],
            },
          };
      }
      const group = ids.take(`${kind}-group`);
      const attrs: Attrs = {
        "genestack:accession": group,
        "Data Class":
          (body.dataClass as string | undefined) ??
          {
            expression: "Other",
            variant: "Variant calls",
            "flow-cytometry": "Flow cytometry",
            cells: "Cell metadata",
          }[kind],
        "Source File": basename(String(body.dataLink)),
      };
      if (body.previousVersion !== undefined) attrs["Previous Version"] = body.previousVersion;
      addGroup({ accession: group, kind, attrs });
      return { result: { groupAccession: group } };
    };
  const importFile =
    (ctx: RequestContext): JobEffect =>
    () => {
      const body = ctx.body as { dataLink: string; studyAccession: string; dataClass: string };
      const study = find("study", body.studyAccession);
      if (!study)
        return {
          error: {
            stage: "VALIDATION",
            stack: [
              { type: "NotFoundException", message: `Study '${body.studyAccession}' could not be found` },
            ],
          },
        };
      const name = basename(body.dataLink);
      let hash = 0;
      for (const ch of body.dataLink) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
      const file = makeFile(
        ids.take("file"),
        study.accession,
        {
          name,
          dataClass: body.dataClass,
          size: 10_000 + (hash % 2_000_000),
          description: `Imported from ${body.dataLink}.`,
          ...(hasContents(name) ? { contents: { error: "File structure is still being indexed" } } : {}),
        },
        nextFileSeed(),
        now(),
      );
      catalog.files.push(file);
      files.set(file.accession, file);
      return { result: { accession: file.accession } };
    };
  const jobArg = (ctx: RequestContext) => jobs.jobs.get(ctx.pathParams.jobExecId as number);
  const noJob = (ctx: RequestContext) => error(404, `Job ${ctx.pathParams.jobExecId} could not be found`);

  return {
    startImportStudy: startJob("importStudy", ["metadataLink"], importObjects("study", undefined)),
    startImportSamples: startJob("importSamples", ["metadataLink"], importObjects("sample", "sample")),
    startImportLibraries: startJob("importLibraries", ["metadataLink"], importObjects("library", "library")),
    startImportPreparations: startJob(
      "importPreparations",
      ["metadataLink"],
      importObjects("preparation", "preparation"),
    ),
    startImportExpression: startJob(
      "importExpression",
      ["dataLink", "metadataLink?"],
      importData("expression"),
    ),
    startImportVariant: startJob("importVariant", ["dataLink", "metadataLink?"], importData("variant")),
    startImportFlowCytometry: startJob(
      "importFlowCytometry",
      ["dataLink", "metadataLink?"],
      importData("flow-cytometry"),
    ),
    startImportCells: startJob("importCells", ["dataLink"], importData("cells")),
    startImportFile: startJob("importFile", ["dataLink", "metadataLink?"], importFile),
    getJobInfo(ctx) {
      const job = jobArg(ctx);
      return job ? { status: 200, body: jobs.info(jobs.advance(job)) } : noJob(ctx);
    },
    getJobOutput(ctx) {
      const job = jobArg(ctx);
      return job ? { status: 200, body: jobs.output(jobs.advance(job)) } : noJob(ctx);
    },
    stopJob(ctx) {
      const job = jobArg(ctx);
      return job ? { status: 200, body: jobs.info(jobs.stop(job)) } : noJob(ctx);
    },
    restartJob(ctx) {
      const job = jobArg(ctx);
      return job ? { status: 200, body: jobs.info(jobs.restart(job)) } : noJob(ctx);
    },
  };
}
