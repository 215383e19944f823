package plugin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/mfa"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// kbaResult is the output of kba authenticate. It never holds an answer.
type kbaResult struct {
	Tenant string `json:"tenant"`
	// MfaKbaAnswers is namespace/name with --from.
	MfaKbaAnswers string `json:"mfaKbaAnswers,omitempty"`
	// Status is SUCCESS, FAILED, LOCKOUT, NOT_ENOUGH_DATA or PENDING, as SailPoint answered.
	Status    string              `json:"status"`
	Questions []kbaQuestionResult `json:"questions"`
}

// kbaQuestionResult says whether SailPoint verified the answer to one question; Verified is
// null when SailPoint did not say.
type kbaQuestionResult struct {
	ID       string `json:"id"`
	Verified *bool  `json:"verified"`
}

func newKbaCommand(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kba authenticate",
		Short: "Authenticate with KBA answers",
		Example: `  kubectl mfa kba authenticate --from svc-account -n identity
  kubectl mfa kba authenticate --question 173423 --question 173424`,
		RunE: groupRunE,
	}
	cmd.AddCommand(newKbaAuthenticateCommand(f))
	return cmd
}

func newKbaAuthenticateCommand(f *factory) *cobra.Command {
	var (
		from      string
		questions []string
		answers   string
		format    string
		out       *outputFlag
	)
	cmd := &cobra.Command{
		Use:   "authenticate [--from MFAKBAANSWERS | --question ID ...]",
		Short: "Check KBA answers of the credentials' identity (POST /v3/mfa/kba/authenticate)",
		Long: `Check KBA answers with SailPoint (POST /v3/mfa/kba/authenticate). The answers are those of the
identity that owns the tenant's credentials.

With --from, the answers are those of an MfaKbaAnswers object: read from its Secrets, hashed
when its answerFormat is SHA256, and sent for its questions (a questionText is resolved with
GET /v3/mfa/kba/config), on its tenant.

Otherwise the answers are typed at a prompt without echo, one per question: for every
--question ID given, or else for every question of GET /v3/mfa/kba/config that has an answer
in the tenant (an empty answer skips a question). When standard input is not a terminal,
--answers - reads one answer per line from it, in the same order. --answer-format SHA256 sends
the lowercase hex SHA-256 of each answer, as an MfaKbaAnswers with answerFormat SHA256 stores
them. Answers are never printed.

Exit code 0 for SUCCESS, 1 for FAILED, LOCKOUT, NOT_ENOUGH_DATA or any other status.`,
		Example: `  # The answers the operator manages for this identity
  kubectl mfa kba authenticate --from svc-account -n identity

  # Type the answers to two questions
  kubectl mfa kba authenticate --question 173423 --question 173424

  # From a file, one answer per line, as JSON
  kubectl mfa kba authenticate --question 173423 --question 173424 --answers - -o json < answers.txt`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			fromStdin, err := checkStdinFlag("answers", answers)
			if err != nil {
				return err
			}
			res := kbaResult{}
			var t *target
			var items []sailpoint.KbaAnswerRequestItem
			if from != "" {
				if len(questions) > 0 || answers != "" || format != "" {
					return usageErrorf("--from takes the questions, answers and format from the MfaKbaAnswers; --question, --answers and --answer-format do not apply")
				}
				if t, res.MfaKbaAnswers, items, err = f.kbaFromObject(cmd.Context(), from); err != nil {
					return err
				}
			} else {
				answerFormat, err := parseAnswerFormat(format)
				if err != nil {
					return err
				}
				input := newSecretInput(f.streams)
				if err := input.check("--answers", fromStdin); err != nil {
					return err
				}
				if t, err = f.defaultTarget(cmd.Context()); err != nil {
					return err
				}
				if items, err = promptAnswers(cmd.Context(), t.api, input, questions, fromStdin, answerFormat); err != nil {
					return err
				}
			}
			res.Tenant = t.name
			resp, err := t.api.AuthenticateKba(cmd.Context(), items)
			if err != nil {
				return remoteError(err)
			}
			res.Status = string(resp.Status)
			res.Questions = make([]kbaQuestionResult, 0, len(resp.KbaAuthResponseItems))
			for _, it := range resp.KbaAuthResponseItems {
				res.Questions = append(res.Questions, kbaQuestionResult{ID: it.QuestionID, Verified: it.IsVerified})
			}
			if err := out.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				fmt.Fprintf(w, "KBA authentication on %s: %s\n", res.Tenant, orDash(res.Status))
				if len(res.Questions) == 0 {
					return nil
				}
				tbl := newTable(w, "QUESTION", "VERIFIED")
				for _, q := range res.Questions {
					verified := "unknown"
					if q.Verified != nil {
						verified = fmt.Sprint(*q.Verified)
					}
					tbl.row(q.ID, verified)
				}
				return tbl.flush()
			}); err != nil {
				return remoteError(err)
			}
			if resp.Status != sailpoint.VerificationSuccess {
				return errFailed
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "MfaKbaAnswers whose questions, Secrets and format to use")
	cmd.Flags().StringArrayVar(&questions, "question", nil, "Id of a question to answer at the prompt (repeatable; default: every answered question of the tenant)")
	cmd.Flags().StringVar(&answers, "answers", "", `"-" reads the answers from standard input, one per line (default: prompt without echo on a terminal)`)
	cmd.Flags().StringVar(&format, "answer-format", "", "Plain (default) sends the answers as typed; SHA256 sends their lowercase hex SHA-256")
	out = addOutputFlag(cmd, false)
	return cmd
}

func parseAnswerFormat(s string) (mfav1.AnswerFormat, error) {
	switch strings.ToLower(s) {
	case "", "plain":
		return mfav1.AnswerFormatPlain, nil
	case "sha256":
		return mfav1.AnswerFormatSHA256, nil
	}
	return "", usageErrorf("unknown --answer-format %q: use Plain or SHA256", s)
}

// promptAnswers asks for the answers to ids (or to every question of the tenant that has an
// answer, or to every question when none has) and returns them, formatted.
func promptAnswers(ctx context.Context, api sailpoint.API, input *secretInput, ids []string, fromStdin bool, format mfav1.AnswerFormat) ([]sailpoint.KbaAnswerRequestItem, error) {
	all, err := api.GetKbaConfig(ctx, false)
	if err != nil {
		return nil, remoteError(err)
	}
	var asked []sailpoint.KbaQuestion
	if len(ids) > 0 {
		for _, id := range ids {
			i := slices.IndexFunc(all, func(q sailpoint.KbaQuestion) bool { return q.ID == id })
			if i < 0 {
				known := make([]string, len(all))
				for j, q := range all {
					known[j] = q.ID
				}
				return nil, usageErrorf("question %q is not a KBA question of the tenant; its questions are %s", id, strings.Join(known, ", "))
			}
			asked = append(asked, all[i])
		}
	} else {
		for _, q := range all {
			if q.HasAnswer {
				asked = append(asked, q)
			}
		}
		if len(asked) == 0 {
			asked = all
		}
	}
	if len(asked) == 0 {
		return nil, remoteErrorf("the tenant has no KBA questions")
	}
	skippable := len(ids) == 0
	items := make([]sailpoint.KbaAnswerRequestItem, 0, len(asked))
	for _, q := range asked {
		prompt := fmt.Sprintf("%s (question %s): ", sailpoint.DefaultText(q.Text), q.ID)
		if skippable {
			prompt = fmt.Sprintf("%s (question %s; Enter to skip): ", sailpoint.DefaultText(q.Text), q.ID)
		}
		answer, err := input.read(prompt, "--answers", fromStdin)
		if err != nil {
			return nil, err
		}
		if answer == "" {
			if skippable {
				continue
			}
			return nil, usageErrorf("the answer to question %s is empty", q.ID)
		}
		items = append(items, sailpoint.KbaAnswerRequestItem{ID: q.ID, Answer: format.Encode(answer)})
	}
	if len(items) == 0 {
		return nil, usageErrorf("no answer given")
	}
	return items, nil
}

// kbaFromObject reads the MfaKbaAnswers name of the namespace: its tenant, and its answers
// from its Secrets, for its resolved question ids.
func (f *factory) kbaFromObject(ctx context.Context, name string) (*target, string, []sailpoint.KbaAnswerRequestItem, error) {
	if prefix, rest, found := strings.Cut(name, "/"); found {
		switch strings.ToLower(prefix) {
		case "mfakbaanswers", "kba":
			name = rest
		default:
			return nil, "", nil, usageErrorf("--from %q is not an MfaKbaAnswers name", name)
		}
	}
	if err := f.clusterOnly("--from"); err != nil {
		return nil, "", nil, err
	}
	c, err := f.kubeClient()
	if err != nil {
		return nil, "", nil, err
	}
	ns, err := f.namespace()
	if err != nil {
		return nil, "", nil, err
	}
	var k mfav1.MfaKbaAnswers
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &k); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", nil, remoteErrorf("MfaKbaAnswers %q not found in namespace %q", name, ns)
		}
		return nil, "", nil, clusterError(err, "get MfaKbaAnswers "+ns+"/"+name)
	}
	fullName := ns + "/" + name
	if len(k.Spec.Answers) == 0 {
		return nil, "", nil, remoteErrorf("MfaKbaAnswers %s has no answers", fullName)
	}
	t, err := f.objectTarget(ctx, c, ns, k.Spec.TenantRef.Name, "MfaKbaAnswers "+fullName)
	if err != nil {
		return nil, "", nil, err
	}
	plain, err := readAnswers(ctx, c, ns, k.Spec.Answers)
	if err != nil {
		return nil, "", nil, err
	}
	ids, err := resolveQuestionIDs(ctx, t.api, k.Spec.Answers)
	if err != nil {
		return nil, "", nil, err
	}
	items := make([]sailpoint.KbaAnswerRequestItem, len(ids))
	for i := range ids {
		items[i] = sailpoint.KbaAnswerRequestItem{ID: ids[i], Answer: k.Spec.GetAnswerFormat().Encode(plain[i])}
	}
	return t, fullName, items, nil
}

// readAnswers reads the Secret value of every answer; errors name Secrets and keys only.
func readAnswers(ctx context.Context, c client.Client, ns string, answers []mfav1.KbaAnswer) ([]string, error) {
	secrets := map[string]*corev1.Secret{}
	values := make([]string, len(answers))
	for i, a := range answers {
		ref := a.AnswerSecretRef
		s, ok := secrets[ref.Name]
		if !ok {
			s = &corev1.Secret{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, s); err != nil {
				if apierrors.IsNotFound(err) {
					return nil, remoteErrorf("Secret %q of the answer to %s not found in namespace %q", ref.Name, a.QuestionName(), ns)
				}
				return nil, clusterError(err, "get Secret "+ns+"/"+ref.Name)
			}
			secrets[ref.Name] = s
		}
		v, err := secretValue(s, ref.Key)
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	return values, nil
}

// resolveQuestionIDs returns the question id of every answer, found as the reconciler finds
// them (mfa.ResolveKbaQuestions).
func resolveQuestionIDs(ctx context.Context, api sailpoint.API, answers []mfav1.KbaAnswer) ([]string, error) {
	_, ids, err := mfa.ResolveKbaQuestions(ctx, api, answers)
	if err != nil {
		return nil, remoteError(err)
	}
	var missing []string
	for i, a := range answers {
		if ids[i] == "" {
			missing = append(missing, a.QuestionName())
		}
	}
	if len(missing) > 0 {
		return nil, remoteErrorf("no KBA question of the tenant matches %s", strings.Join(missing, ", "))
	}
	return ids, nil
}
