import convexPlugin from "@convex-dev/eslint-plugin";
import tseslint from "typescript-eslint";

// Vercel compiles each file under api/ (and what it imports) to Node ESM without bundling,
// and Node's ESM loader refuses extensionless relative specifiers: runtime imports in the
// edge must name the compiled file (`./app.js`). Type-only imports are erased, so exempt.
const RELATIVE_WITHOUT_JS = "[source.value=/^[.]/]:not([source.value=/[.]js$/])";
const esmMessage = "Relative runtime imports in edge/ and api/ end in .js (Vercel runs them as Node ESM).";

export default tseslint.config(
  { ignores: ["node_modules/**", "convex/_generated/**", "coverage/**", ".dev/**", ".vercel/**"] },
  ...tseslint.configs.recommended,
  ...convexPlugin.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["edge/**/*.ts", "api/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: `ImportDeclaration[importKind!='type']${RELATIVE_WITHOUT_JS}`, message: esmMessage },
        { selector: `ExportNamedDeclaration[exportKind!='type']${RELATIVE_WITHOUT_JS}`, message: esmMessage },
        { selector: `ExportAllDeclaration${RELATIVE_WITHOUT_JS}`, message: esmMessage },
        { selector: `ImportExpression > Literal${RELATIVE_WITHOUT_JS.replaceAll("source.", "")}`, message: esmMessage },
      ],
    },
  },
);
