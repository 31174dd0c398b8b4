import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../src/flow-upload/csv.js";
import { readSampleSheet, SheetError, sheetAttributes } from "../src/flow-upload/sample-sheet.js";

describe("parseCsv", () => {
  it("reads what spreadsheets export: BOM, CRLF, quoted commas, quotes and line breaks, blank lines", () => {
    const text = '\uFEFFname,note\r\na,"x, y"\r\n\r\nb,"say ""hi"""\r\nc,"two\nlines"\nd,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ["name", "note"] },
      { line: 2, cells: ["a", "x, y"] },
      { line: 4, cells: ["b", 'say "hi"'] },
      { line: 5, cells: ["c", "two\nlines"] },
      { line: 7, cells: ["d", ""] },
    ]);
  });

  it("refuses a quote left open, naming its line", () => {
    expect(() => parseCsv('name\n"open\n')).toThrow(/line 2/);
  });
});

describe("readSampleSheet", () => {
  const attributes = sheetAttributes(
    [
      {
        identifier: "strandedness",
        sample_type_links: [{ sample_type_identifier: "RNA-Seq", required: true }],
      },
      { identifier: "condition", allow_annotation: true },
      { identifier: "tissue" },
    ],
    "RNA-Seq",
  );

  it("decides which attributes the sample type requires", () => {
    expect(attributes).toEqual([
      { identifier: "strandedness", required: true, allowAnnotation: false },
      { identifier: "condition", required: false, allowAnnotation: true },
      { identifier: "tissue", required: false, allowAnnotation: false },
    ]);
    expect(
      sheetAttributes(
        [
          {
            identifier: "strandedness",
            sample_type_links: [{ sample_type_identifier: "RNA-Seq", required: true }],
          },
        ],
        "ATAC-Seq",
      )[0]!.required,
    ).toBe(false);
  });

  it("resolves paths against the sheet's folder and keeps only non-empty metadata", () => {
    const dir = mkdtempSync(join(tmpdir(), "sheet-"));
    writeFileSync(join(dir, "a_R1.fq.gz"), "x");
    const [sample] = readSampleSheet(
      "name,reads1,organism,strandedness,condition,condition__annotation,tissue\na,a_R1.fq.gz,Hs,reverse,fed,at noon,\n",
      dir,
      attributes,
    );
    expect(sample).toEqual({
      row: 1,
      name: "a",
      files: [{ path: join(dir, "a_R1.fq.gz"), size: 1, filename: "a_R1.fq.gz" }],
      project: undefined,
      organism: "Hs",
      metadata: { strandedness: "reverse", condition: "fed", condition__annotation: "at noon" },
    });
  });

  it("lists every problem at once: columns, then each row's", () => {
    const dir = mkdtempSync(join(tmpdir(), "sheet-"));
    writeFileSync(join(dir, "ok.fq"), "x");
    writeFileSync(join(dir, "has space.fq"), "x");
    let error: SheetError | undefined;
    try {
      readSampleSheet(
        "name,reads1,tissue__annotation,name\nok,ok.fq,,\nbad name,has space.fq,,\n,ok.fq,x,y,z\n",
        dir,
        attributes,
      );
    } catch (caught) {
      error = caught as SheetError;
    }
    expect(error).toBeInstanceOf(SheetError);
    expect(error!.problems).toEqual([
      "column tissue__annotation: tissue takes no annotation",
      "column name appears twice",
      "row 1 (ok), line 2: strandedness is empty (required for this sample type)",
      'row 2 (bad name), line 3: the name "bad name" has a space (Flow refuses them)',
      'row 2 (bad name), line 3: reads1: the file name "has space.fq" has a space (Flow refuses them): rename it',
      "row 2 (bad name), line 3: strandedness is empty (required for this sample type)",
      "row 3, line 4: 5 cells for 4 columns",
      "row 3, line 4: name is empty",
      "row 3, line 4: strandedness is empty (required for this sample type)",
    ]);
  });
});
