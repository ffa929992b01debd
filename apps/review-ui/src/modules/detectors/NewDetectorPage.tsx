import { useMutation } from '@apollo/client/react';
import { hrefFor, navigate } from '../../app/router';
import { CreateDetectorDocument, DetectorsDocument } from '../../gql/graphql';
import { describeError } from '../../ui/States';
import { CompoundForm } from './CompoundForm';
import { DetectorForm } from './DetectorForm';
import { EMPTY_FORM, toCreateInput } from './detector-form';
import { fieldErrors } from './mutation-errors';

export default function NewDetectorPage() {
  const [create] = useMutation(CreateDetectorDocument, { refetchQueries: [DetectorsDocument] });
  return (
    <div className="page page-narrow">
      <div className="page-head">
        <h1>New detector</h1>
        <a className="btn btn-ghost" href={hrefFor({ page: 'detectors' })}>
          Cancel
        </a>
      </div>
      <DetectorForm
        initial={EMPTY_FORM}
        creating
        submitLabel="Create detector"
        onSubmit={async (values) => {
          try {
            const { data } = await create({ variables: { input: toCreateInput(values) } });
            const payload = data?.createDetector;
            if (payload?.ok && payload.detector) {
              navigate({ page: 'detector', id: payload.detector.id });
              return null;
            }
            return {
              message: payload?.error?.message ?? 'The detector was not created.',
              fields: fieldErrors(payload?.error?.fields),
            };
          } catch (e) {
            return { message: describeError(e) };
          }
        }}
      />
      <h2 className="section-gap">Or a compound detector</h2>
      <CompoundForm />
    </div>
  );
}
