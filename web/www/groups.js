// The groups part of the page: grouping by lookalike-core (wasm `Grouping`, the command line's
// groups and keep rule), each member scored against the file to keep with the same function as
// the "compare two images" view, the user's keep / remove / not-a-duplicate marks, and the plan
// file `lookalike apply PLAN --base DIR` reads, made in the page and downloaded from a Blob.

export const DECISIONS = [
  ["keep", "keep"],
  ["remove", "remove"],
  ["not_duplicate", "not a duplicate"],
];

/**
 * The groups of the pairs at or above `minSimilarity`, each with its file to keep first:
 * `[[image, …], …]`. Images are `state.images[id]`; `edges` are `{ a, b, similarity }` by id.
 */
export function findGroups(lookalike, images, edges, minSimilarity) {
  const grouping = new lookalike.Grouping();
  try {
    for (const image of images) {
      grouping.addFile(image.width || 0, image.height || 0, image.file.size, image.file.lastModified, image.name, image.signature);
    }
    for (const { a, b, similarity } of edges) {
      if (similarity >= minSimilarity) grouping.link(a, b);
    }
    const flat = grouping.groups();
    const found = [];
    for (let at = 0; at < flat.length; at += 1 + flat[at]) {
      found.push([...flat.subarray(at + 1, at + 1 + flat[at])].map((id) => images[id]));
    }
    return found;
  } finally {
    grouping.free();
  }
}

/**
 * How each member relates to its group's keeper: `{ image, similarity, score, via }` (the pair's
 * comparison kept in `cache`, a Map, for the next render), where
 * similarity and score are against the keeper (as the compare view shows them), and `via` is set
 * when that similarity is below the threshold: the member joined the group through another
 * member, `{ image, similarity }`, its best link at or above the threshold among `members`
 * (`joined` is then true, also when that link is to a member not passed). `allTurns`: compared
 * in all eight orientations (the page's "all eight turns" box, `scan --all-turns`).
 */
export function scoreMembers(lookalike, members, edgesById, minSimilarity, cache = new Map(), allTurns = false) {
  const keeper = members[0];
  const inGroup = new Set(members.map((m) => m.id));
  return members.slice(1).map((image) => {
    const key = `${keeper.id}:${image.id}`;
    if (!cache.has(key)) {
      const comparison = lookalike.compareSignatures(keeper.signature, image.signature, allTurns);
      cache.set(key, { similarity: comparison.similarity, score: comparison.score, look: comparison.look });
      comparison.free();
    }
    const row = { image, ...cache.get(key), via: null, joined: false };
    if (row.similarity < minSimilarity) {
      // Not like the keeper: it joined through another member (shown or not).
      row.joined = true;
      for (const edge of edgesById.get(image.id) || []) {
        const other = edge.a === image.id ? edge.b : edge.a;
        if (!inGroup.has(other) || edge.similarity < minSimilarity) continue;
        if (!row.via || edge.similarity > row.via.similarity) {
          row.via = { id: other, similarity: edge.similarity };
        }
      }
    }
    return row;
  });
}

/**
 * The decision for `image` in a group whose keeper is `keeper`: the user's mark, or the default:
 * remove for a member like the keeper, keep for the keeper and for a member that joined the group
 * through another member only (`joined`): it is not shown to look like what is kept, so it is not
 * proposed for removal (as the command line's report and review folder do).
 */
export function decisionFor(decisions, image, keeper, joined = false) {
  return decisions.get(image.id) || (image.id === keeper.id || joined ? "keep" : "remove");
}

/**
 * The plan file for `lookalike apply` (format "lookalike-plan", version 1): every shown group with
 * every member's relative path, size, modification time and decision. `base` is null: the user
 * names the folder with `lookalike apply PLAN --base DIR`. `joinedOf(members)` gives the ids of a
 * group's members that joined it through another member only ([`decisionFor`]).
 */
export function makePlan(found, decisions, joinedOf = () => new Set()) {
  return {
    format: "lookalike-plan",
    version: 1,
    base: null,
    groups: found.map((members) => {
      const joined = joinedOf(members);
      return {
        members: members.map((image) => ({
          path: image.name,
          size: image.file.size,
          mtime_ms: image.file.lastModified,
          decision: decisionFor(decisions, image, members[0], joined.has(image.id)),
        })),
      };
    }),
  };
}

/**
 * Why `lookalike apply` would refuse `plan` as a whole, in words for the page, or null: two files
 * with one relative path (added separately from different folders: the plan cannot tell them
 * apart), or a group that removes files and keeps none (no copy would be left).
 */
export function planProblem(plan) {
  const seen = new Set();
  for (const group of plan.groups) {
    for (const member of group.members) {
      if (seen.has(member.path)) {
        return `Two files are both called ${member.path} (added separately): the plan cannot tell them apart. Add them together, from the folder that holds both.`;
      }
      seen.add(member.path);
    }
  }
  const all = plan.groups.findIndex(
    (g) => g.members.some((m) => m.decision === "remove") && !g.members.some((m) => m.decision === "keep"),
  );
  if (all >= 0) {
    return `Group ${all + 1} (${plan.groups[all].members[0].path}) would remove every copy: keep one (lookalike apply refuses such a plan).`;
  }
  return null;
}
